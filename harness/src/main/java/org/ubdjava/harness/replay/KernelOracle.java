package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.ubdjava.realtools.UmlKernel;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;

/**
 * The real kernel as a second reader of the replay's COW files (ubd replay --oracle N): sampled
 * VMs' COW files are attached, read-only, to a booted User-Mode Linux, which reads every 4 KiB
 * page the VM wrote (its sectors and the backing sectors around them) and copies the bytes to a
 * host file; each sector of that copy must then be what the model says the VM should see, checked
 * by the same verifier as every read of the replay. Up to 16 VMs per boot.
 *
 * <p>Only written pages are read: the whole of a 32 GiB device in 4 KiB direct reads (the only
 * size the real driver gets right on mixed pages, bug B1) would take the kernel hours.
 */
final class KernelOracle {
    static final int PAGE = 4096;
    static final int DEVICES_PER_BOOT = 16;

    /** What the oracle did: VMs asked for, checked, and found right; why not, when it could not run. */
    record Result(int requested, int checked, int ok, String unavailable) {
        static final Result NONE = new Result(0, 0, 0, null);

        boolean passed() {
            return requested == 0 || ok == requested;
        }
    }

    private final ReadVerifier verifier;
    private final MismatchLog log;

    KernelOracle(ReadVerifier verifier, MismatchLog log) {
        this.verifier = verifier;
        this.log = log;
    }

    /** Has the kernel read {@code vms}' COW files ({@code cows.get(i)} is {@code vms.get(i)}'s). */
    Result check(List<VmSchedule> vms, List<Path> cows, Path workDir) throws IOException {
        Optional<UmlKernel> kernel = UmlKernel.get();
        if (kernel.isEmpty()) {
            String why = UmlKernel.whyUnavailable();
            log.problem("--oracle: the real kernel cannot run here: " + why);
            return new Result(vms.size(), 0, 0, why);
        }
        Path reader = workDir.resolve("read_ranges.py");
        try (InputStream in = KernelOracle.class.getResourceAsStream("/oracle/read_ranges.py")) {
            Files.write(reader, in.readAllBytes());
        }
        int ok = 0;
        int checked = 0;
        for (int from = 0; from < vms.size(); from += DEVICES_PER_BOOT) {
            int n = Math.min(DEVICES_PER_BOOT, vms.size() - from);
            StringBuilder script = new StringBuilder("set -e\n");
            List<String> args = new ArrayList<>();
            List<long[]> ranges = new ArrayList<>();
            for (int d = 0; d < n; d++) {
                VmSchedule vm = vms.get(from + d);
                long[] r = writtenPages(vm);
                ranges.add(r);
                Path list = workDir.resolve("oracle-" + vm.vm + ".ranges");
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < r.length; i += 2) {
                    lines.append(r[i]).append(' ').append(r[i + 1]).append('\n');
                }
                Files.writeString(list, lines);
                // 'r': the kernel only reads the COW file, under a read lock
                args.add("ubd" + d + "r=" + cows.get(from + d));
                script.append("python3 ").append(reader).append(" /dev/ubd").append((char) ('a' + d)).append(' ')
                        .append(list).append(' ').append(workDir.resolve("oracle-" + vm.vm + ".bin")).append('\n');
            }
            UmlKernel.Result boot = kernel.get().run(script.toString(), args, 1800);
            if (boot.exit() != 0) {
                log.problem("--oracle: the guest failed (exit " + boot.exit() + "): " + boot.out().strip().replace('\n', ' ')
                        + " " + boot.kernelMessages());
                continue;
            }
            for (int d = 0; d < n; d++) {
                VmSchedule vm = vms.get(from + d);
                checked++;
                if (verify(vm, ranges.get(d), workDir.resolve("oracle-" + vm.vm + ".bin"))) {
                    ok++;
                }
            }
        }
        return new Result(vms.size(), checked, ok, null);
    }

    /** The 4 KiB pages holding the VM's written or discarded sectors, as [offset, length) byte runs; at least the first page. */
    static long[] writtenPages(VmSchedule vm) {
        long deviceBytes = vm.plan.deviceSectors * SECTOR;
        LongOpenHashSet pages = new LongOpenHashSet();
        for (long traceSector : vm.plan.model.view().keySet()) {
            pages.add(vm.device(traceSector) * SECTOR / PAGE);
        }
        if (pages.isEmpty()) {
            pages.add(0);
        }
        long[] sorted = pages.toLongArray();
        Arrays.sort(sorted);
        List<Long> runs = new ArrayList<>();
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) {
                j++;
            }
            long start = sorted[i] * PAGE;
            runs.add(start);
            runs.add(Math.min(deviceBytes, (sorted[j] + 1) * PAGE) - start);
            i = j + 1;
        }
        return runs.stream().mapToLong(Long::longValue).toArray();
    }

    private boolean verify(VmSchedule vm, long[] ranges, Path copy) throws IOException {
        long bad = 0;
        try (FileChannel in = FileChannel.open(copy, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long pos = 0;
            for (int i = 0; i < ranges.length; i += 2) {
                long first = ranges[i] / SECTOR;
                long sectors = ranges[i + 1] / SECTOR;
                for (long s = 0; s < sectors; ) {
                    int n = (int) Math.min(sectors - s, buf.capacity() / SECTOR);
                    buf.clear().limit(n * SECTOR);
                    while (buf.hasRemaining()) {
                        if (in.read(buf, pos + buf.position()) < 0) {
                            log.problem(copy + ": the kernel's copy of vm " + vm.vm + " ends early (" + (pos + buf.position()) + " bytes)");
                            return false;
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        long device = first + s + j;
                        int source = vm.finalSource(device);
                        if (!verifier.matches(buf, j * SECTOR, vm.vm, source, device) && bad++ < 3) {
                            log.problem("--oracle: the real kernel reads vm " + vm.vm + "'s sector " + device + " as not "
                                    + verifier.describeSource(vm.vm, source));
                        }
                    }
                    pos += (long) n * SECTOR;
                    s += n;
                }
            }
        } finally {
            Files.deleteIfExists(copy);
        }
        return bad == 0;
    }
}
