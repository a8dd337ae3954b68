// Placeholder until the Engine layer lands.
