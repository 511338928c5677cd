package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * Refuses, before anything is written, a replay whose COW files cannot fit on their file system,
 * rather than letting it fail with ENOSPC half-way. The plan knows every sector each VM will
 * write, so the bound is exact up to the file system's blocks: a run of written sectors occupies
 * at most its length in 4 KiB blocks plus one (a VM's shift may straddle a block), plus the
 * bitmap.
 */
final class DiskBudget {
    static final long BLOCK = 4096;

    private DiskBudget() {
    }

    /**
     * The most one VM's COW file over {@code plan} can occupy on disk while it runs, growing by
     * {@code unit} bytes at a time (0: block by block): a run of k units touched in trace sectors
     * covers at most k + 1 units of the file whatever the VM's shift, and never more than the
     * whole file.
     */
    static long cowBytes(ReplayPlan plan, long unit) {
        if (unit == 0) {
            return cowBytes(plan);
        }
        long[] sectors = plan.model.view().keySet().toLongArray();
        Arrays.sort(sectors);
        long units = 0;
        long last = -2;
        for (long s : sectors) {
            long u = s * SECTOR / unit;
            if (u == last) {
                continue;
            }
            units += u == last + 1 ? 1 : 2;
            last = u;
        }
        // (+ 1: a run the shift wraps past the device's end is two runs)
        return Math.min(wholeCowBytes(plan), (units + 1) * unit + (plan.deviceSectors + 7) / 8 + 2 * BLOCK);
    }

    /** The most one VM's COW file over {@code plan} can occupy on disk, growing block by block. */
    static long cowBytes(ReplayPlan plan) {
        long[] sectors = plan.model.view().keySet().toLongArray();
        Arrays.sort(sectors);
        long blocks = 0;
        for (int i = 0; i < sectors.length; ) {
            int j = i;
            while (j + 1 < sectors.length && sectors[j + 1] == sectors[j] + 1) {
                j++;
            }
            long run = sectors[j] - sectors[i] + 1;
            blocks += (run * SECTOR + BLOCK - 1) / BLOCK + 1;
            i = j + 1;
        }
        long bitmap = (plan.deviceSectors + 7) / 8;
        return blocks * BLOCK + Math.min(bitmap, blocks * BLOCK) + 2 * BLOCK;
    }

    /** A preallocated COW file over {@code plan}'s device: all of it, header, bitmap and data area (each rounded to blocks). */
    static long wholeCowBytes(ReplayPlan plan) {
        long bitmap = (plan.deviceSectors + 7) / 8;
        return (plan.deviceSectors * SECTOR + BLOCK - 1) / BLOCK * BLOCK + (bitmap + BLOCK - 1) / BLOCK * BLOCK + 2 * BLOCK;
    }

    /**
     * Throws when the VMs running at once (plus the oracle's kept files and a merge check's image)
     * need more than {@code dir}'s file system has free.
     */
    static void require(Path dir, List<ReplayPlan> plans, ReplayOptions o, Path backing, boolean mergeCheck, int kept)
            throws IOException {
        long perVm = perVm(dir, plans, o);
        long backingBytes;
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
            backingBytes = NativeFiles.allocatedBytes(ch);
        }
        check(dir, perVm, o, backingBytes, mergeCheck, kept, Files.getFileStore(dir).getUsableSpace());
    }

    /** The most one VM's COW file in {@code dir} can take: the driver uses no units where they cannot help (tmpfs). */
    static long perVm(Path dir, List<ReplayPlan> plans, ReplayOptions o) {
        long unit = o.allocationUnitIn(dir);
        long perVm = 0;
        for (ReplayPlan p : plans) {
            perVm = Math.max(perVm, o.preallocation() == Preallocation.OFF ? cowBytes(p, unit) : wholeCowBytes(p));
        }
        return perVm;
    }

    /** {@link #require} on figures: {@code free} bytes available, {@code perVm} the most one COW file takes. */
    static void check(Path dir, long perVm, ReplayOptions o, long backingBytes, boolean mergeCheck, int kept, long free) {
        long files = o.deletesCows() ? o.live() + kept : o.vmsHere();
        // a merge check writes a whole image beside the COW files: the backing's data and the VM's
        long extra = mergeCheck ? perVm + backingBytes : 0;
        long need = perVm * files + extra;
        if (need <= free) {
            return;
        }
        long fits = perVm == 0 ? 0 : (free - extra) / perVm - (o.deletesCows() ? kept : 0);
        String advice = fits < 1 ? "free some space or use another directory"
                : "run fewer VMs at a time (--at-once " + Math.min(fits, o.vmsHere() - 1) + ") or use another directory";
        if (o.allocationUnitIn(dir) > 0) {
            // the units may be what does not fit: block by block the files take only what is written
            advice += ", or let the COW files grow block by block (--alloc-unit 0)";
        }
        throw new UbdException(String.format(Locale.ROOT,
                "%s: the COW files need up to %.1f GiB (%d files of up to %.1f MiB%s), the file system has %.1f GiB free; %s",
                dir, need / (double) (1L << 30), files, perVm / (double) (1L << 20), mergeCheck ? ", and a merge check's image" : "",
                free / (double) (1L << 30), advice));
    }
}
