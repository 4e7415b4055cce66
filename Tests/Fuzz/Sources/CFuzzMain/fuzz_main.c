#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// SwiftPM links an executable with `main` aliased to `<module>_main`, which a module
// compiled with -parse-as-library does not define; this one hands control to libFuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int onyx_fuzz_loader_main(int argc, char **argv) {
    // Tensors above 256 MiB are refused (an OnyxError) unless the caller set its own cap:
    // the default 4 GiB lets a 100-byte model legitimately ask for seconds of work and
    // gigabytes of memory, which libFuzzer would report as timeouts and OOMs.
    setenv("ONYX_MAX_TENSOR_BYTES", "268435456", 0);
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
