package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.harness.trace.TraceOp;

/**
 * A {@link ReplayPlan}'s records and read runs, off the heap: written once, in order, to two
 * temporary files in a spill directory, then mapped read-only. The kernel pages the mappings in
 * and out like any file, so a plan may be larger than the heap and even than RAM; the heap holds
 * only the lists of chunks.
 *
 * <pre>
 * record entry, {@value #RECORD} bytes          run entry, {@value #RUN} bytes
 *  0 long first sector                     0 int sectors
 *  8 long trace time, us (-1: none)        4 int source ({@link SectorModel})
 * 16 long first run of its read check
 * 24 int  sectors
 * 28 byte {@link TraceOp} ordinal
 * 29      padding (keeps the longs aligned)
 * </pre>
 *
 * One record entry more than there are records holds only the total of runs, so that
 * {@link #firstRun}{@code (count)} needs no special case. Native byte order: the files never
 * outlive the process that wrote them.
 *
 * <p>The files are unlinked as soon as they are open, before anything is written: the open
 * channel and then the mappings keep the data, so nothing is left in the directory however the
 * JVM ends, even killed part-way through a long build. The disk space stays in use until the
 * plan is garbage and its mappings are unmapped, at the latest at exit.
 *
 * <p>A mapped buffer is int-indexed, so each file is mapped in chunks of 2^{@link #CHUNK_SHIFT}
 * bytes; entry sizes divide the chunk, so no entry straddles two. Reads are absolute gets on
 * buffers nobody writes or repositions, hence safe from any number of threads, and allocate
 * nothing.
 */
final class PlanFile {
    private static final int RECORD_SHIFT = 5;
    private static final int RECORD = 1 << RECORD_SHIFT;
    private static final int FIRST_SECTOR = 0;
    private static final int TIME_MICROS = 8;
    private static final int FIRST_RUN = 16;
    private static final int SECTORS = 24;
    private static final int OP = 28;

    private static final int RUN_SHIFT = 3;
    private static final int RUN = 1 << RUN_SHIFT;
    private static final int RUN_LENGTH = 0;
    private static final int RUN_SOURCE = 4;

    /** 1 GiB chunks: the largest power of two an int-indexed buffer can map. */
    static final int CHUNK_SHIFT = 30;
    /**
     * Bytes buffered per file while writing: on the heap (the channel copies through its cached
     * direct buffer), so building many small plans (a property test's) leaves no direct memory
     * waiting for the GC.
     */
    private static final int WRITE_BUFFER = 64 << 10;
    private static final TraceOp[] OPS = TraceOp.values();

    private final ByteBuffer[] records;
    private final ByteBuffer[] runs;
    /** Index to chunk: records {@code index >>> recordChunk}, runs {@code index >>> runChunk}. */
    private final int recordChunk;
    private final int runChunk;
    /** Byte offset within a chunk. */
    private final int mask;
    private final long mappedBytes;

    private PlanFile(ByteBuffer[] records, ByteBuffer[] runs, int chunkShift, long mappedBytes) {
        this.records = records;
        this.runs = runs;
        this.recordChunk = chunkShift - RECORD_SHIFT;
        this.runChunk = chunkShift - RUN_SHIFT;
        this.mask = (1 << chunkShift) - 1;
        this.mappedBytes = mappedBytes;
    }

    TraceOp op(int record) {
        return OPS[records[record >>> recordChunk].get(recordAt(record) + OP)];
    }

    long firstSector(int record) {
        return records[record >>> recordChunk].getLong(recordAt(record) + FIRST_SECTOR);
    }

    int sectors(int record) {
        return records[record >>> recordChunk].getInt(recordAt(record) + SECTORS);
    }

    long timeMicros(int record) {
        return records[record >>> recordChunk].getLong(recordAt(record) + TIME_MICROS);
    }

    /** Valid for {@code record == count} too. */
    long firstRun(int record) {
        return records[record >>> recordChunk].getLong(recordAt(record) + FIRST_RUN);
    }

    int runLength(long run) {
        return runs[(int) (run >>> runChunk)].getInt(runAt(run) + RUN_LENGTH);
    }

    int runSource(long run) {
        return runs[(int) (run >>> runChunk)].getInt(runAt(run) + RUN_SOURCE);
    }

    long mappedBytes() {
        return mappedBytes;
    }

    private int recordAt(int record) {
        // the int shift drops high bits the mask would drop anyway
        return (record << RECORD_SHIFT) & mask;
    }

    private int runAt(long run) {
        return ((int) run << RUN_SHIFT) & mask;
    }

    /**
     * Writes a plan's entries in trace order; {@link #finish} maps them. Closing releases the
     * files whether or not the plan was finished.
     */
    static final class Writer implements AutoCloseable {
        private final int chunkShift;
        private final Spill records;
        private final Spill runs;
        private long runCount;

        Writer(Path dir) {
            this(dir, CHUNK_SHIFT);
        }

        /** With chunks of 2^{@code chunkShift} bytes: small ones let tests cross chunk boundaries. */
        Writer(Path dir, int chunkShift) {
            if (chunkShift < 12 || chunkShift > CHUNK_SHIFT) {
                throw new IllegalArgumentException("chunk shift " + chunkShift);
            }
            this.chunkShift = chunkShift;
            records = new Spill(dir);
            try {
                runs = new Spill(dir);
            } catch (RuntimeException e) {
                records.close();
                throw e;
            }
        }

        /** Adds the next record; the runs added after it, up to the next record, are its read check. */
        void record(TraceOp op, long firstSector, int sectors, long timeMicros) {
            ByteBuffer b = records.room(RECORD);
            int at = b.position();
            b.putLong(at + FIRST_SECTOR, firstSector);
            b.putLong(at + TIME_MICROS, timeMicros);
            b.putLong(at + FIRST_RUN, runCount);
            b.putInt(at + SECTORS, sectors);
            b.put(at + OP, (byte) op.ordinal());
            b.position(at + RECORD);
        }

        void run(int length, int source) {
            ByteBuffer b = runs.room(RUN);
            int at = b.position();
            b.putInt(at + RUN_LENGTH, length);
            b.putInt(at + RUN_SOURCE, source);
            b.position(at + RUN);
            runCount++;
        }

        /** Ends the records (see the class comment) and maps both files. */
        PlanFile finish() {
            ByteBuffer b = records.room(RECORD);
            int at = b.position();
            b.putLong(at + FIRST_RUN, runCount);
            b.position(at + RECORD);
            ByteBuffer[] r = records.map(chunkShift);
            ByteBuffer[] s = runs.map(chunkShift);
            return new PlanFile(r, s, chunkShift, records.size() + runs.size());
        }

        @Override
        public void close() {
            try {
                records.close();
            } finally {
                runs.close();
            }
        }
    }

    /** One unlinked temporary file and its write buffer. */
    private static final class Spill {
        private final Path path;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(WRITE_BUFFER).order(ByteOrder.nativeOrder());
        private long size;

        Spill(Path dir) {
            try {
                path = Files.createTempFile(dir, ".ubd-plan-", ".tmp");
            } catch (IOException e) {
                throw new UbdException(dir + ": cannot create the replay plan's temporary file: " + CowPaths.describe(e), e);
            }
            FileChannel ch = null;
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Files.delete(path);
            } catch (IOException e) {
                Cleanup.closeQuietly(ch);
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // the first failure is the one to report
                }
                throw new UbdException(path + ": cannot open the replay plan's temporary file: " + CowPaths.describe(e), e);
            }
            channel = ch;
        }

        /** The write buffer, with at least {@code bytes} free. */
        ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                flush();
            }
            return buffer;
        }

        long size() {
            return size + buffer.position();
        }

        /** The whole file, read-only, in chunks of 2^{@code chunkShift} bytes. */
        ByteBuffer[] map(int chunkShift) {
            flush();
            long chunk = 1L << chunkShift;
            ByteBuffer[] chunks = new ByteBuffer[(int) Math.max(1, (size + chunk - 1) / chunk)];
            try {
                for (int i = 0; i < chunks.length; i++) {
                    long from = i * chunk;
                    chunks[i] = channel.map(FileChannel.MapMode.READ_ONLY, from, Math.min(chunk, size - from))
                            .order(ByteOrder.nativeOrder());
                }
            } catch (IOException e) {
                throw new UbdException(path + ": cannot map the replay plan: " + CowPaths.describe(e), e);
            }
            return chunks;
        }

        private void flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) {
                    size += channel.write(buffer);
                }
            } catch (IOException e) {
                throw new UbdException(path + ": cannot write the replay plan: " + CowPaths.describe(e), e);
            }
            buffer.clear();
        }

        /** Closes the channel; the mappings stay valid. */
        void close() {
            Cleanup.closeQuietly(channel); // nothing is lost: the file is unlinked and its data mapped or unwanted
        }
    }
}
