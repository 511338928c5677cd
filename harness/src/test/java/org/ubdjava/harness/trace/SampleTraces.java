package org.ubdjava.harness.trace;

import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds the sample traces and reads traces whole, for tests. */
public final class SampleTraces {
    private SampleTraces() {
    }

    /** A file of src/test/resources/traces. */
    static Path resource(String name) {
        try {
            return Path.of(SampleTraces.class.getResource("/traces/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("missing test resource traces/" + name, e);
        }
    }

    static List<TraceRecord> readAll(Path path, TraceFormat format) {
        try (TraceReader reader = TraceReaders.open(path, format)) {
            return drain(reader);
        }
    }

    static List<TraceRecord> readAll(String text, TraceFormat format) {
        return readAll(text.getBytes(StandardCharsets.ISO_8859_1), format);
    }

    static List<TraceRecord> readAll(byte[] bytes, TraceFormat format) {
        try (TraceReader reader = TraceReaders.open(Path.of("t.trace"), new ByteArrayInputStream(bytes), format)) {
            return drain(reader);
        }
    }

    static List<TraceRecord> drain(TraceReader reader) {
        List<TraceRecord> records = new ArrayList<>();
        TraceRecord.Mutable r = new TraceRecord.Mutable();
        while (reader.next(r)) {
            records.add(r.freeze());
        }
        return records;
    }

    static TraceRecord rec(long ts, TraceOp op, long offset, long length, long position) {
        return new TraceRecord(ts, op, offset, length, position, 0);
    }

    static TraceRecord rec(long ts, TraceOp op, long offset, long length, long position, int flags) {
        return new TraceRecord(ts, op, offset, length, position, flags);
    }

    /** Where the real CloudPhysics trace is looked for: say it in a test's skip line. */
    public static final String VSCSI_TRACE_PLACES = "shared/traces/cloudPhysicsIO.vscsi beside the repository, or -Dubd.traces.dir";

    /**
     * The real CloudPhysics trace, which the project does not ship: in {@code -Dubd.traces.dir},
     * or in {@code shared/traces} beside the repository (where CI puts it); empty if absent.
     */
    public static Optional<Path> realVscsiTrace() {
        List<Path> candidates = new ArrayList<>();
        String dir = System.getProperty("ubd.traces.dir");
        if (dir != null && !dir.isBlank()) {
            candidates.add(Path.of(dir, "cloudPhysicsIO.vscsi"));
        }
        String root = System.getProperty("ubd.repo.root");
        if (root != null && !root.isBlank()) {
            Path parent = Path.of(root).toAbsolutePath().getParent();
            if (parent != null) {
                candidates.add(parent.resolve("shared/traces/cloudPhysicsIO.vscsi"));
            }
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }
}
