package org.ubdjava.bench.compare;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The cases of {@code ubd bench --replay} beyond the trace table, each a ratio taken within one
 * round: readers beside syncing writers, and a fresh JVM's short replay.
 *
 * @param mix      readers beside syncing writers, one entry per system (ours, fio's); empty if not run
 * @param freshJvm a fresh JVM's short replay; empty if not run
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ReplayCases(List<Mix> mix, List<FreshJvm> freshJvm) {
    /** What issue 23 asks of the readers in the mix: this share of their IOPS alone. */
    public static final double MIX_TARGET = 0.5;
    /** What issue 23 asks of a fresh JVM's short replay: this many times the real UML driver's IOPS. */
    public static final double FRESH_JVM_TARGET = 20;

    public static final ReplayCases NONE = new ReplayCases(List.of(), List.of());

    public ReplayCases {
        mix = List.copyOf(mix);
        freshJvm = List.copyOf(freshJvm);
    }

    /**
     * One system's readers beside syncing writers: {@code readerVms} VMs replaying {@code readTrace}
     * beside {@code writerVms} replaying {@code writeTrace}, all at once over one backing file
     * (fio: one job each, each on its own copy), and the same readers alone, in each round.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Mix(ReplayBenchReport.System system, String readTrace, String writeTrace, int readerVms, int writerVms,
                      List<MixRound> rounds) {
        public Mix {
            rounds = List.copyOf(rounds);
        }

        /** The median round's share of the readers' IOPS kept in the mix (the lower middle of an even count). */
        @JsonProperty("kept")
        public double kept() {
            return median(rounds, MixRound::kept);
        }

        /** Every round's reads checked and passed (fio checks nothing: true). */
        @JsonProperty("verified")
        public boolean verified() {
            return rounds.stream().allMatch(MixRound::verified);
        }
    }

    /**
     * One round of a mix.
     *
     * @param readersAloneIops   the readers' requests over their window, replaying with nobody else
     * @param readersMixedIops   the same readers' requests over their own window in the mix
     * @param writersMixedIops   the writers' requests (writes and syncs) over their own window in the mix
     * @param readersMixedSeconds the readers' window in the mix
     * @param writersMixedSeconds the writers' window in the mix: when shorter than the readers', the
     *                            readers ran part of their window alone and {@link #kept} flatters them
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MixRound(double readersAloneIops, double readersMixedIops, double writersMixedIops,
                           double readersMixedSeconds, double writersMixedSeconds, boolean verified) {
        @JsonProperty("kept")
        public double kept() {
            return readersMixedIops / readersAloneIops;
        }

        /** Whether the writers were writing for the whole of the readers' window (both start together). */
        @JsonProperty("writers_outlast_readers")
        public boolean writersOutlastReaders() {
            return writersMixedSeconds >= readersMixedSeconds;
        }
    }

    /**
     * A fresh JVM's short replay of {@code trace} ({@code requests} requests) at one VM, beside
     * the same replay in the bench's warm JVM, fio's replay and the real UML driver's fio in a guest.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FreshJvm(String trace, long requests, List<FreshRound> rounds) {
        public FreshJvm {
            rounds = List.copyOf(rounds);
        }

        /** The median round's fresh-JVM IOPS over the real UML driver's (NaN without it). */
        @JsonProperty("fresh_over_uml")
        public double freshOverUml() {
            return median(rounds, r -> r.freshIops / r.umlIops);
        }

        /** The median round's warm (in the bench's JVM) IOPS over the real UML driver's. */
        @JsonProperty("warm_over_uml")
        public double warmOverUml() {
            return median(rounds, r -> r.warmIops / r.umlIops);
        }

        @JsonProperty("fresh_over_fio")
        public double freshOverFio() {
            return median(rounds, r -> r.freshIops / r.fioIops);
        }
    }

    /**
     * One round of a fresh JVM's short replay; a system not run is NaN.
     *
     * @param freshIops   {@code io_iops} of {@code ubd replay --vms 1} started as its own process, as a user starts it
     * @param freshWarmUpS the warm-up that process ran before its clock ({@code warm_up_s})
     * @param freshWallS  that process's whole wall time, start to exit
     * @param warmIops    the same replay's {@code io_iops} in the bench's JVM, after its warm-up
     * @param fioIops     fio's replay of the trace
     * @param umlIops     fio's replay in a UML guest on the kernel's ubd driver
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FreshRound(double freshIops, double freshWarmUpS, double freshWallS, double warmIops, double fioIops,
                             double umlIops, boolean verified) {
    }

    static <T> double median(List<T> rounds, ToDoubleFunction<T> figure) {
        if (rounds.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>();
        for (T r : rounds) {
            v.add(figure.applyAsDouble(r));
        }
        // NaN sorts last: a round without the figure does not become the median while others have it
        v.sort(Comparator.naturalOrder());
        long known = v.stream().filter(d -> !d.isNaN()).count();
        return known == 0 ? Double.NaN : v.get((int) (known - 1) / 2);
    }

    /** The cases' tables, after the trace table; nothing when none ran. */
    public void printTable(PrintWriter out) {
        if (!mix.isEmpty()) {
            Mix m = mix.get(0);
            out.println();
            out.printf(Locale.ROOT, "readers beside syncing writers: %d VMs of %s beside %d VMs of %s in one replay (fio: one job each),"
                    + " against the same %d readers alone, each round%n", m.readerVms, m.readTrace, m.writerVms, m.writeTrace, m.readerVms);
            out.printf(Locale.ROOT, "%-13s %13s %13s %8s %14s  %-7s %s%n", "system", "readers alone", "readers mixed", "kept",
                    "writers mixed", "checks", "rounds kept");
            for (Mix x : mix) {
                MixRound r = medianRound(x.rounds, MixRound::kept);
                out.printf(Locale.ROOT, "%-13s %13.0f %13.0f %7.2fx %14.0f  %-7s %s%n", x.system.label, r.readersAloneIops,
                        r.readersMixedIops, x.kept(), r.writersMixedIops, x.system.ours() ? (x.verified() ? "passed" : "FAILED") : "none",
                        list(x.rounds, MixRound::kept));
            }
            for (Mix x : mix) {
                for (MixRound r : x.rounds) {
                    if (!r.writersOutlastReaders()) {
                        out.printf(Locale.ROOT, "  %s: in a round the writers finished first (%.2f s against the readers' %.2f s):"
                                + " the readers ran the rest alone%n", x.system.label, r.writersMixedSeconds, r.readersMixedSeconds);
                    }
                }
            }
            out.printf(Locale.ROOT, "  kept: the readers' IOPS in the mix over the same readers alone, same round (median round;"
                    + " issue 23 asks >= %.1fx of ours: %s)%n", MIX_TARGET, met(mix.stream()
                    .filter(x -> x.system.ours()).mapToDouble(Mix::kept).findFirst().orElse(Double.NaN), MIX_TARGET));
        }
        if (!freshJvm.isEmpty()) {
            FreshJvm f = freshJvm.get(0);
            out.println();
            out.printf(Locale.ROOT, "fresh JVM short replay: %s (%d requests), 1 VM, `ubd replay --vms 1` started as its own"
                    + " process, each round%n", f.trace, f.requests);
            out.printf(Locale.ROOT, "%10s %10s %10s %12s %10s %10s  %-7s %s%n", "fresh JVM", "warm JVM", "fio replay", "real UML ubd",
                    "fresh/UML", "warm/UML", "checks", "rounds fresh/UML");
            FreshRound r = medianRound(f.rounds, x -> x.freshIops / x.umlIops);
            out.printf(Locale.ROOT, "%10.0f %10.0f %10.0f %12.0f %9.1fx %9.1fx  %-7s %s%n", r.freshIops, r.warmIops, r.fioIops,
                    r.umlIops, f.freshOverUml(), f.warmOverUml(), f.rounds.stream().allMatch(FreshRound::verified) ? "passed" : "FAILED",
                    list(f.rounds, x -> x.freshIops / x.umlIops));
            out.printf(Locale.ROOT, "  fresh JVM: io_iops of the process (its own warm-up, %.2f s, before its clock; %.2f s start to exit);"
                    + " warm JVM: the same replay in this one%n", r.freshWarmUpS, r.freshWallS);
            out.printf(Locale.ROOT, "  issue 23 asks >= %.0fx of the real UML driver: %s%n", FRESH_JVM_TARGET, met(f.freshOverUml(), FRESH_JVM_TARGET));
        }
        out.flush();
    }

    private static String met(double figure, double target) {
        return Double.isNaN(figure) ? "not measured" : figure >= target ? "met" : "NOT met";
    }

    /** The round whose figure is the median, for its other figures. */
    private static <T> T medianRound(List<T> rounds, ToDoubleFunction<T> figure) {
        double m = median(rounds, figure);
        for (T r : rounds) {
            if (Double.compare(figure.applyAsDouble(r), m) == 0) {
                return r;
            }
        }
        return rounds.get(0);
    }

    private static <T> String list(List<T> rounds, ToDoubleFunction<T> figure) {
        List<String> s = new ArrayList<>();
        for (T r : rounds) {
            s.add(String.format(Locale.ROOT, "%.2f", figure.applyAsDouble(r)));
        }
        return String.join(" ", s);
    }
}
