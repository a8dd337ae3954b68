// Placeholder until the QueueIO layer lands.
