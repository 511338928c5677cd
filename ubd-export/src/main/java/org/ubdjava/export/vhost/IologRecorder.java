package org.ubdjava.export.vhost;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ubdjava.driver.queue.IoOp;

/**
 * One device's requests as a fio iolog v3 ({@code fio version 3 iolog}, then
 * {@code TIMESTAMP FILE ACTION [OFFSET LENGTH]}, timestamps in microseconds since the first request,
 * as fio itself writes them), so that {@code ubd replay} and {@code fio --read_iolog} replay what
 * a guest did. fio has no write-zeroes action: such a request is logged as a write of its range.
 *
 * <p>Written by the one thread that serves the device; no allocation per request.
 */
final class IologRecorder implements AutoCloseable {
    static final String HEADER = "fio version 3 iolog";

    private final Path path;
    private final String file;
    private final BufferedWriter out;
    /** The clock starts at the first request, so a log does not begin with the guest's boot. */
    private long start = -1;
    private final StringBuilder line = new StringBuilder(96);
    private char[] chars = new char[96];
    private boolean failed;

    private IologRecorder(Path path, String file, BufferedWriter out) {
        this.path = path;
        this.file = file;
        this.out = out;
    }

    /** DIR/NAME.iolog, replacing an older one; the log names the file NAME. */
    static IologRecorder create(Path dir, String name) throws IOException {
        Path p = dir.resolve(name + ".iolog");
        BufferedWriter w = Files.newBufferedWriter(p, StandardCharsets.US_ASCII);
        IologRecorder r = new IologRecorder(p, name, w);
        w.write(HEADER);
        w.newLine();
        r.action("add");
        r.action("open");
        return r;
    }

    Path path() {
        return path;
    }

    private void action(String action) throws IOException {
        begin(action);
        emit();
    }

    /** A request as the device thread submits it; a failing log stops logging, never serving. */
    void record(IoOp op, long offset, long length) {
        if (failed) {
            return;
        }
        String action = switch (op) {
            case READ -> "read";
            case WRITE, WRITE_ZEROES -> "write";
            case DISCARD -> "trim";
            case FLUSH -> "sync";
            case PREFETCH, EXTENTS -> null; // a front-end's questions, not guest I/O (virtio-blk sends neither)
        };
        if (action == null) {
            return;
        }
        try {
            begin(action);
            // a sync too carries an offset and a length, as fio writes it: fio reads a line of
            // three fields as a file action, and drops "sync" as a bad one
            line.append(' ').append(op == IoOp.FLUSH ? 0 : offset).append(' ').append(op == IoOp.FLUSH ? 0 : length);
            emit();
        } catch (IOException e) {
            failed = true;
            System.err.println("ubd: " + path + ": recording stopped: " + org.ubdjava.export.Servers.describe(e));
        }
    }

    private void begin(String action) {
        line.setLength(0);
        long now = System.nanoTime();
        if (start < 0 && !action.equals("add") && !action.equals("open")) {
            start = now;
        }
        line.append(start < 0 ? 0 : (now - start) / 1000).append(' ').append(file).append(' ').append(action);
    }

    private void emit() throws IOException {
        line.append('\n');
        if (chars.length < line.length()) {
            chars = new char[line.length() * 2];
        }
        line.getChars(0, line.length(), chars, 0);
        out.write(chars, 0, line.length());
    }

    /** Makes what is logged so far readable by others (at every disconnect). */
    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void close() throws IOException {
        if (!failed) {
            action("close");
        }
        out.close();
    }
}
