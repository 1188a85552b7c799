"""The resolve flow: start a resolution (command, button or cleared alert), run its steps."""
