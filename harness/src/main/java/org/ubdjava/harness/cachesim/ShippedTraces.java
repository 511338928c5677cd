package org.ubdjava.harness.cachesim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.util.List;

import org.ubdjava.core.UbdException;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

/**
 * The traces that ship inside the jar (resources/traces, described in its README) that the cache
 * study runs on when no trace is given, so a fresh clone runs all of it: the workloads of real
 * guests, recorded through ubd-java's vhost-user back-end (find/tar/grep over an ext4 tree first:
 * the reads many VMs share over one backing file; then a cp -a and a mkfs).
 */
public final class ShippedTraces {
    /** Resource names under /traces, in the order VMs take them. */
    public static final List<String> NAMES = List.of("guest-scan.iolog", "guest-cp.iolog", "guest-mkfs.iolog");
    public static final String LIST = "guest-scan.iolog, guest-cp.iolog, guest-mkfs.iolog";

    private ShippedTraces() {
    }

    /** The shipped trace {@code name} (any under /traces) copied out of the jar into {@code dir}, for a program that wants a file. */
    public static Path extract(String name, Path dir) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = ShippedTraces.class.getResourceAsStream("/traces/" + name)) {
            if (in == null) {
                throw new UbdException("traces/" + name + ": not in this build's resources");
            }
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    /** A reader of the shipped trace {@code name}. */
    public static TraceReader open(String name) {
        InputStream in = ShippedTraces.class.getResourceAsStream("/traces/" + name);
        if (in == null) {
            throw new UbdException("traces/" + name + ": not in this build's resources");
        }
        return TraceReaders.open(Path.of(name), in, TraceFormat.FIO_IOLOG);
    }
}
