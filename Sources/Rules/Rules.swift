// Placeholder until the Rules layer lands.
