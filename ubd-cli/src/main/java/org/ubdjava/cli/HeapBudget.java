package org.ubdjava.cli;

import java.util.Locale;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Refuses, as a wrong command line, counts whose data structures cannot fit in this JVM's heap
 * ({@link Runtime#maxMemory()}, the -Xmx): the need is a floor each command derives from what it
 * allocates for every VM and slot (so a refusal is certain), checked before anything is allocated,
 * instead of an OutOfMemoryError part-way through, or minutes of set-up first.
 */
public final class HeapBudget {
    private HeapBudget() {
    }

    /**
     * @param what   the options that ask for it, e.g. {@code --vms 100000000 with --max-inflight 16}
     * @param bytes  the least heap they need
     * @param most   what does fit, said to the user, e.g. "at most 351,000 VMs"
     */
    public static void require(CommandSpec spec, String what, double bytes, String most) {
        long max = heap();
        if (bytes > max) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.format(Locale.ROOT,
                    "%s needs at least %,d MiB of heap and this JVM has %,d MiB (%s; JAVA_OPTS=-Xmx... gives it more)",
                    what, (long) Math.min(Long.MAX_VALUE, bytes / (1 << 20)), max >> 20, most));
        }
    }

    /** The heap this JVM may grow to. */
    public static long heap() {
        return Runtime.getRuntime().maxMemory();
    }
}
