"""NudgeScheduler and reminders: status-update nudges in war rooms, IC-unclaimed, inactivity
and postmortem-due reminders, all derived from the store so a restart loses none."""
