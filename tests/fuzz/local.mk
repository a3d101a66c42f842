# tests/fuzz: libFuzzer targets, one per parser (built with --enable-sanitize and clang).
