# tests/faults: the fault suite at scale.  Each script puts the real
# forkd through one kind of fault and asserts no zombie, the exact child
# count, the fault's log line, and that forkd still serves afterwards.

FAULT_TESTS = \
	tests/faults/hold-2000.sh \
	tests/faults/child-faults.sh \
	tests/faults/bad-clients.sh \
	tests/faults/signal-storms.sh \
	tests/faults/stopped-daemon.sh \
	tests/faults/steady-10000.sh \
	tests/faults/fork-accept-fail.sh \
	tests/faults/log-stall.sh

TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS)
