# tests/faults: the fault suite at scale (see each script).
