package org.ubdjava.harness.cachesim;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

import org.ubdjava.core.UbdException;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

/**
 * The fio traces that ship inside the jar (resources/traces, described in its README): what the
 * cache study runs on when no trace is given, so a fresh clone runs all of it.
 */
public final class ShippedTraces {
    /** Resource names under /traces, in the order VMs take them. */
    public static final List<String> NAMES = List.of("zipf.iolog", "demo.iolog");
    static final String LIST = "zipf.iolog, demo.iolog";

    private ShippedTraces() {
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
