// Intentionally empty: the target only contributes the entry point in fuzz_main.c.
