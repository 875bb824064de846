"""Messages to customers: what a notice says, and how it is delivered."""
