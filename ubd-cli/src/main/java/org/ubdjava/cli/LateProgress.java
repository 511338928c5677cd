package org.ubdjava.cli;

import org.ubdjava.harness.report.Progress;

/**
 * A progress bar whose total the work tells with its first update: a rebase knows how many bytes
 * it will walk only once every file is opened and checked, and a refusal before that shows no bar.
 */
final class LateProgress implements AutoCloseable {
    private final String task;
    private Progress bar;

    LateProgress(String task) {
        this.task = task;
    }

    void update(long done, long total) {
        if (bar == null) {
            bar = Progress.of(task, total);
        }
        bar.accept(done);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
