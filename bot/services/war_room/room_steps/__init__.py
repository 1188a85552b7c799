"""The war-room steps that need only the channel, one class per module; they run side by
side once the channel exists, and the assembler's step table lists each in one line."""
