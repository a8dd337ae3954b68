// Placeholder until the Log layer lands.
