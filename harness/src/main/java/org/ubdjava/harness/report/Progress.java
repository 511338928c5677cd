package org.ubdjava.harness.report;

import java.util.function.LongConsumer;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for long work, shown only when a person is watching (stdout is a terminal). */
public final class Progress implements AutoCloseable, LongConsumer {
    /** Work smaller than this finishes before a bar would help. */
    private static final long MIN_BYTES = 256L << 20;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress of(String task, long totalBytes) {
        if (System.console() == null || totalBytes < MIN_BYTES) {
            return new Progress(null);
        }
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(totalBytes >> 20)
                .setUnit(" MiB", 1).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
                .continuousUpdate().build());
    }

    @Override
    public void accept(long doneBytes) {
        if (bar != null) {
            bar.stepTo(doneBytes >> 20);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
