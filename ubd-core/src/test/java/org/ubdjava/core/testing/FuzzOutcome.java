package org.ubdjava.core.testing;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.ubdjava.core.UbdException;

/**
 * The fuzzers' oracle: running code on hostile input may end in a result or in the project's own
 * {@link UbdException} with a non-empty one-line message, within a time bound. Anything else (an
 * unchecked exception of the JDK, an Error, a hang) is a bug, reported with the input that caused it.
 *
 * <p>The work runs on one reused thread so the bound costs a hand-off per input, not a thread: a
 * million inputs stay cheap. A thread stuck past its bound is abandoned (daemon) and replaced.
 */
public final class FuzzOutcome {
    /** Generous: every input here is a few KiB; a healthy run takes milliseconds. */
    public static final long DEFAULT_BOUND_MILLIS = 10_000;

    private static ExecutorService worker = newWorker();

    private FuzzOutcome() {
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work}; returns its result, or null when it failed acceptably. */
    public static <T> T expect(Callable<T> work, Object input) {
        return expect(work, input, DEFAULT_BOUND_MILLIS);
    }

    public static synchronized <T> T expect(Callable<T> work, Object input, long boundMillis) {
        Future<T> f = worker.submit(work);
        try {
            return f.get(boundMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError("no result within " + boundMillis + " ms (a hang?) for input " + input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            checkFailure(e.getCause(), input);
            return null;
        }
    }

    /** A failure is acceptable only as a UbdException whose message is one non-empty line. */
    public static void checkFailure(Throwable t, Object input) {
        if (t instanceof AssertionError a) {
            throw a;
        }
        if (!(t instanceof UbdException)) {
            throw new AssertionError("not the project's exception: " + t + " for input " + input, t);
        }
        String m = t.getMessage();
        if (m == null || m.isBlank() || m.contains("\n") || m.contains("\r")) {
            throw new AssertionError("message is not one non-empty line: [" + m + "] for input " + input, t);
        }
    }
}
