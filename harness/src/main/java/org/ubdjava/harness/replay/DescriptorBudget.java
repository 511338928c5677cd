package org.ubdjava.harness.replay;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;

import org.ubdjava.core.UbdException;

/**
 * Refuses, before anything is made, a run whose VMs cannot all hold their COW files open at once
 * in this process (RLIMIT_NOFILE, ulimit -n): each running VM keeps its COW file open, and keeps it
 * for as long as it runs, since the POSIX lock that keeps UML and other tools off the file lives
 * on that descriptor (closing it drops the lock). Past the limit the run would otherwise stop
 * part-way with EMFILE at some VM's open. What cannot be held open at once can be run in turns
 * ({@code --at-once}) or in other processes ({@code --shard}), which the refusal says.
 *
 * <p>Memory mappings are the other per-disk limit (vm.max_map_count); the driver keeps under it by
 * itself (a disk that cannot map reads and writes its file instead), so it needs no refusal.
 */
final class DescriptorBudget {
    /** Descriptors a running VM holds: its COW file (the backing file is opened once for all). */
    static final int PER_VM = 1;
    /** What the rest of the run holds open beside the VMs: jars, plan files, the backing file, reports, sockets. */
    static final int HEADROOM = 256;

    private DescriptorBudget() {
    }

    static void require(ReplayOptions o) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            require(o, unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
        }
    }

    /**
     * @param max  descriptors this process may hold
     * @param open descriptors it holds now
     */
    static void require(ReplayOptions o, long max, long open) {
        long need = (long) o.live() * PER_VM + open + HEADROOM;
        if (max <= 0 || need <= max) {
            return;
        }
        long fit = Math.max(1, (max - open - HEADROOM) / PER_VM);
        String asked = o.live() < o.vmsHere() ? "--at-once " + o.live()
                : o.shard() != null ? "shard " + o.shard() + " of --vms " + o.vms() : "--vms " + o.vms();
        throw new UbdException(String.format(Locale.ROOT,
                "%s: %,d VMs running at once keep %,d COW files open, and this process may open %,d files (ulimit -n); "
                        + "run at most %,d at a time (--at-once %d) or split the fleet over %sprocesses (--shard K/N)",
                asked, o.live(), (long) o.live() * PER_VM, max, fit, fit, o.shard() == null ? "" : "more "));
    }
}
