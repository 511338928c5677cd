package org.ubdjava.core.nativeio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many memory mappings the disks of this process may still make. Linux refuses a process
 * more than vm.max_map_count mappings (65,530 by default), and the JVM needs its own share of
 * them for thread stacks, the heap and the code cache: a JVM whose disks took the last ones fails
 * on its next thread. Each disk maps its bitmap and its data area, so ten thousands of disks in
 * one process would get there; a disk refused a mapping here works without one (pread and pwrite,
 * the kernel's own way), and gives its mappings back when it closes.
 */
public final class MappingBudget {
    /** Mappings left to the JVM itself beside those of the disks: its threads, heap and code, with room to spare. */
    public static final int HEADROOM = 8192;

    /** The process's budget: vm.max_map_count less what the process had mapped at start and {@link #HEADROOM}. */
    public static final MappingBudget PROCESS = new MappingBudget(processLimit());

    private final int limit;
    private final AtomicInteger taken = new AtomicInteger();

    /** A budget of {@code limit} mappings (tests; the driver uses {@link #PROCESS}). */
    public MappingBudget(int limit) {
        this.limit = limit;
    }

    /** Takes one mapping from the budget: false when none is left (map nothing then). */
    public boolean tryTake() {
        if (taken.incrementAndGet() > limit) {
            taken.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a mapping taken with {@link #tryTake} once it is unmapped (or was never made). */
    public void giveBack() {
        taken.decrementAndGet();
    }

    public int limit() {
        return limit;
    }

    public int taken() {
        return taken.get();
    }

    private static int processLimit() {
        long max = readLong(Path.of("/proc/sys/vm/max_map_count"));
        if (max <= 0) {
            return Integer.MAX_VALUE; // not Linux, or not readable: no known limit to keep under
        }
        long mapped = lines(Path.of("/proc/self/maps"));
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, max - Math.max(mapped, 0) - HEADROOM));
    }

    private static long readLong(Path p) {
        // a line at a time: Files.readString trusts the size a /proc file reports, and reads one byte of "65530"
        try (var r = Files.newBufferedReader(p)) {
            String line = r.readLine();
            return line == null ? -1 : Long.parseLong(line.strip());
        } catch (IOException | NumberFormatException | SecurityException e) {
            return -1;
        }
    }

    private static long lines(Path p) {
        try (var l = Files.lines(p)) {
            return l.count();
        } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
            return -1;
        }
    }
}
