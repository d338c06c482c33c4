"""Use cases of PVS meetings (`meetings`) and the actions they agree (`actions`)."""
