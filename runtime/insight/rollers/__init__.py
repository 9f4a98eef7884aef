"""The insight rollers, one file each: every module here declares `ROLLER` (`runtime.insight`)."""
