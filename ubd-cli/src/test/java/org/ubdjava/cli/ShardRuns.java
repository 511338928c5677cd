package org.ubdjava.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.ubdjava.core.io.DemoImage;

import picocli.CommandLine;

/**
 * Sharded replays for the tests, run in this JVM as bin/ubd runs them: the shipped demo trace on
 * a small demo image, and the commands' output kept.
 */
final class ShardRuns {
    /** VMs of the runs: 16, cut into {@link #SHARDS}. */
    static final int VMS = 16;
    static final int SHARDS = 4;
    /** The demo trace's requests per VM. */
    static final int DEMO_REQUESTS = 2547;

    record Run(int exit, String out, String err) {
        String both() {
            return out + err;
        }
    }

    private ShardRuns() {
    }

    /** {@code ubd ARGS} in-process with {@code env} as the environment the scheduler's variables are read from. */
    static Run ubd(Map<String, String> env, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = UbdMain.commandLine(false);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ((ReplayCommand) cl.getSubcommands().get("replay").getCommand()).env = env;
        ((CacheSimCommand) cl.getSubcommands().get("cache-sim").getCommand()).env = env;
        int exit = cl.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    static Run ubd(List<String> args) {
        return ubd(Map.of(), args);
    }

    /** The inputs of a run in {@code dir}: the demo trace, a 32 MiB demo image, and a directory for COW files. */
    record Inputs(Path trace, Path backing) {
        static Inputs in(Path dir) throws Exception {
            return at(dir.resolve("demo.iolog"), dir.resolve("base.img"));
        }

        /** The demo trace copied to {@code trace}, the demo image made at {@code backing}, unless there already. */
        static Inputs at(Path trace, Path backing) throws Exception {
            if (!Files.exists(trace)) {
                try (var in = ShardRuns.class.getResourceAsStream("/traces/demo.iolog")) {
                    Files.copy(in, trace);
                }
            }
            if (!Files.exists(backing)) {
                DemoImage.create(backing, 64L << 20, 3, 7);
            }
            return new Inputs(trace, backing);
        }

        /** The SPEC of a run whose COW files go in {@code cows} (made here). */
        String spec(Path cows) throws Exception {
            Files.createDirectories(cows);
            return "ubd0=" + cows.resolve("vm.cow") + "," + backing;
        }

        /**
         * {@code replay} of {@link #VMS} VMs of the demo trace, no warm-up, {@code extra} options
         * (a --shard, an --out ...), COW files in {@code cows}.
         */
        List<String> replay(Path cows, String... extra) throws Exception {
            List<String> a = new ArrayList<>(List.of("replay", "--trace", trace.toString(), "--vms", Integer.toString(VMS),
                    "--warm-up", "0", "--json"));
            a.addAll(List.of(extra));
            a.add(spec(cows));
            return a;
        }
    }
}
