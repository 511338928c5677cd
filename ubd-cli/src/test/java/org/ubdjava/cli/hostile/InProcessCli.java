package org.ubdjava.cli.hostile;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.ubdjava.cli.CommandLines;
import org.ubdjava.cli.InProcessStreams;
import org.ubdjava.cli.UbdMain;

import picocli.CommandLine;

/**
 * Runs {@code ubd ARGS} in this JVM as bin/ubd would (same command line, same handlers, no
 * --debug), on a thread of its own under a time limit. What the command writes anywhere is kept:
 * picocli's out and err, cat's bytes, and System.out/err (where a background thread's uncaught
 * exception would land). A command still running at the limit is a hang: its thread is interrupted
 * and any FIFO of the scratch it may be blocked opening is opened from here, so no thread stays stuck.
 */
final class InProcessCli {
    /** Every case is a refusal or a few kilobytes of work: milliseconds. The limit only tells a hang. */
    static final Duration LIMIT = Duration.ofSeconds(Long.getLong("ubd.hostile.timeout", 10));
    /** cat's output is kept up to this; past it, cat's writes fail, so an endless device cannot fill the heap. */
    static final int MAX_OUT = 64 << 20;

    /** {@code out} is the text a command printed; cat's bytes are only counted ({@code catBytes}): they are data, not text. */
    record Outcome(int exit, String out, long catBytes, String err, boolean hung, Throwable escaped) {
        String describe() {
            return "exit " + exit + (hung ? " (hung)" : "") + (escaped != null ? " (threw " + escaped + ")" : "")
                    + (catBytes > 0 ? " (" + catBytes + " bytes of data on stdout)" : "")
                    + "\n--- stderr:\n" + err + "--- stdout (first 2000 chars):\n" + out.substring(0, Math.min(2000, out.length()));
        }
    }

    private InProcessCli() {
    }

    /** The command classes of {@code ubd}, by name, from the one command line made once. */
    private static final Map<String, Class<?>> COMMANDS = new HashMap<>();

    static {
        UbdMain.commandLine(false).getSubcommands().forEach((name, sub) -> COMMANDS.put(name, sub.getCommand().getClass()));
    }

    /**
     * The command line for {@code ubd NAME ...}: the subcommand alone, named "ubd NAME", with the
     * handlers {@link UbdMain#commandLine} gives it, so its messages and exit codes are bin/ubd's
     * (only --debug, inherited from ubd, is missing); the whole of ubd for any other first word.
     * Making all fifteen commands for every case would cost more than most cases take.
     */
    private static CommandLine commandLine(String name) {
        Class<?> c = COMMANDS.get(name);
        if (c == null || name.equals("help")) {
            return UbdMain.commandLine(false);
        }
        try {
            var ctor = c.getDeclaredConstructor();
            ctor.setAccessible(true);
            CommandLine cl = CommandLines.create(ctor.newInstance(), false);
            cl.setCommandName("ubd " + name);
            return cl;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static synchronized Outcome run(List<String> args, Scratch scratch) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Bounded catOut = new Bounded();
        Bounded sysOut = new Bounded();
        Bounded sysErr = new Bounded();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        // before the command line is made: a picocli command line made earlier keeps printing to the streams of then
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
        boolean hung;
        AtomicInteger exit = new AtomicInteger(Integer.MIN_VALUE);
        AtomicReference<Throwable> escaped = new AtomicReference<>();
        try {
            CommandLine cl = commandLine(args.isEmpty() ? "" : args.get(0));
            PrintWriter toOut = new PrintWriter(out, true);
            PrintWriter toErr = new PrintWriter(err, true);
            cl.setOut(toOut);
            cl.setErr(toErr);
            InProcessStreams.redirect(cl, catOut, new ByteArrayInputStream(new byte[0]));
            // the whole of ubd takes every word; a command alone (ubd report too, with commands of its own) the words after its name
            String[] argv = (cl.getCommand() instanceof UbdMain ? args : args.subList(1, args.size())).toArray(String[]::new);
            Thread t = new Thread(() -> {
                try {
                    exit.set(cl.execute(argv));
                } catch (Throwable e) {
                    escaped.set(e);
                }
            }, "hostile " + String.join(" ", args));
            t.setDaemon(true);
            t.start();
            t.join(LIMIT.toMillis());
            hung = t.isAlive();
            for (long end = System.nanoTime() + 5_000_000_000L; t.isAlive() && System.nanoTime() < end;) {
                scratch.unblockFifos();
                t.interrupt();
                t.join(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Outcome(exit.get(), out + sysOut.text(), catOut.kept.size(), err + sysErr.text(), hung, escaped.get());
    }

    /** A byte sink that fails, as a closed pipe would, past {@link #MAX_OUT}. */
    private static final class Bounded extends OutputStream {
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (kept.size() + len > MAX_OUT) {
                throw new IOException("Broken pipe");
            }
            kept.write(b, off, len);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}
