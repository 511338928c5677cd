package org.ubdjava.harness.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

/** Opens trace readers. */
public final class TraceReaders {
    private TraceReaders() {
    }

    /** Opens {@code path}, detecting its format ({@link TraceFormat#detect(Path)}). */
    public static TraceReader open(Path path) {
        return open(path, TraceFormat.detect(path));
    }

    /**
     * Opens {@code path} as a trace in {@code format}. Text formats check their first line here or
     * on the first {@link TraceReader#next}; vscsi reads its first records here to tell v1 from v2.
     *
     * @throws UbdException if the file cannot be opened
     * @throws TraceFormatException if the start of the file is not in {@code format}
     */
    public static TraceReader open(Path path, TraceFormat format) {
        InputStream in = openStream(path);
        try {
            return open(path, in, format);
        } catch (RuntimeException e) {
            try {
                in.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A reader of {@code in}, a trace in {@code format}; {@code name} is the file name messages use.
     * The reader closes {@code in}.
     */
    public static TraceReader open(Path name, InputStream in, TraceFormat format) {
        return switch (format) {
            case FIO_IOLOG -> new FioIologReader(name, in);
            case BLKPARSE -> new BlkparseReader(name, in);
            case MSR_CSV -> new MsrCsvReader(name, in);
            case VSCSI -> new VscsiReader(name, in);
            case ALIBABA_CSV -> new AlibabaCsvReader(name, in);
        };
    }

    private static InputStream openStream(Path path) {
        RegularFiles.require(path, "a trace"); // a FIFO would block the open, and a trace is read more than once
        try {
            // unbuffered: every reader reads in large blocks into its own buffer
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw new UbdException(path + ": no such file");
        } catch (IOException e) {
            throw new UbdException(path + ": cannot open: " + e.getMessage(), e);
        }
    }
}
