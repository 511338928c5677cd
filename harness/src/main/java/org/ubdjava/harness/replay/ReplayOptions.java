package org.ubdjava.harness.replay;

import java.nio.file.Path;
import java.util.function.Supplier;

import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.harness.trace.TraceReader;

/**
 * What to replay and how.
 *
 * @param trace        opens the trace (called once: the plan is shared by every VM)
 * @param spec         the kernel SPEC, e.g. {@code ubd0=/tmp/run/vm.cow,/tmp/base.img}
 * @param vms          number of VMs, each with its own COW file
 * @param maxInflight  requests each VM keeps outstanding
 * @param pace         0: as fast as possible; otherwise trace time divided by this
 * @param seed         seeds the data written
 * @param shiftSpace   rotate VM i's offsets by i * device / vms
 * @param force        replace COW files left by an earlier run
 * @param mergeChecks  VMs whose COW file is merged and compared in full
 * @param limit        at most this many trace records are replayed
 * @param fault        a fault injected into every disk, or null
 * @param out          where report.json and report.html go, or null
 */
public record ReplayOptions(Supplier<TraceReader> trace, String spec, int vms, int maxInflight, double pace, long seed,
                            boolean shiftSpace, boolean force, int mergeChecks, long limit,
                            FaultInjectingDevice.Fault fault, Path out, int oracle) {
}
