package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * libnbd (python3-libnbd) in non-strict mode, which puts on the wire whatever it is asked to, against
 * our server: zero-length requests, requests past the end, every flag on every command, FUA,
 * FAST_ZERO, CACHE, block status. Every connection survives all probes, and every answer is the one
 * in the table below: qemu-nbd's (checked against a qemu-nbd in the same run when it is installed)
 * or, where we differ, one the protocol allows, named in {@link #WHY}.
 */
@Timeout(120)
class NbdLibnbdProbeTest {
    static final List<String> MODES = List.of("rw", "ro", "notrim", "simple");

    /** probe, then the outcome per mode: ubda (COW, writable), ubdb (read-only), ubdc ('t'), ubda without structured replies. */
    static final String TABLE = """
            offers_base_allocation          true        true        true        false
            offers_cache                    true        true        true        true
            offers_fast_zero                true        false       false       true
            offers_flush                    true        true        true        true
            offers_fua                      true        true        true        true
            offers_multi_conn               true        true        true        true
            offers_trim                     true        false       false       true
            offers_zero                     true        false       false       true
            read_0                          "ok"        "ok"        "ok"        "ok"
            read_0_at_end                   "ok"        "ok"        "ok"        "ok"
            write_0                         "ok"        "EPERM"     "ok"        "ok"
            trim_0                          "ok"        "EPERM"     "EINVAL"    "ok"
            zero_0                          "ok"        "EPERM"     "EINVAL"    "ok"
            cache_0                         "ok"        "ok"        "ok"        "ok"
            block_status_0                  "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            flush                           "ok"        "ok"        "ok"        "ok"
            read_past_end                   "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_across_end                 "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_offset_2_63                "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            write_past_end                  "ENOSPC"    "EPERM"     "ENOSPC"    "ENOSPC"
            trim_past_end                   "EINVAL"    "EPERM"     "EINVAL"    "EINVAL"
            zero_past_end                   "ENOSPC"    "EPERM"     "EINVAL"    "ENOSPC"
            cache_past_end                  "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            block_status_past_end           "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_unknown_flag               "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_no_hole_flag               "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_fast_zero_flag             "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            write_fast_zero_flag            "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            flush_req_one_flag              "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            block_status_df_flag            "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_df                         "ok"        "ok"        "ok"        "EINVAL"
            read_fua                        "ok"        "ok"        "ok"        "ok"
            cache                           "ok"        "ok"        "ok"        "ok"
            cache_fua                       "ok"        "ok"        "ok"        "ok"
            flush_fua                       "ok"        "ok"        "ok"        "ok"
            write_fua                       "ok"        "EPERM"     "ok"        "ok"
            write                           "ok"        "EPERM"     "ok"        "ok"
            trim                            "ok"        "EPERM"     "EINVAL"    "ok"
            trim_fua                        "ok"        "EPERM"     "EINVAL"    "ok"
            zero                            "ok"        "EPERM"     "EINVAL"    "ok"
            zero_fast                       "ok"        "EINVAL"    "EINVAL"    "ok"
            zero_fast_fua                   "ok"        "EINVAL"    "EINVAL"    "ok"
            zero_no_hole                    "ok"        "EPERM"     "EINVAL"    "ok"
            zero_no_hole_fast               "ok"        "EINVAL"    "EINVAL"    "ok"
            block_status                    "ok"        "ok"        "ok"        "EINVAL"
            block_status_req_one            "ok"        "ok"        "ok"        "EINVAL"
            block_status_fua                "ok"        "ok"        "ok"        "EINVAL"
            read_unaligned                  "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            write_unaligned                 "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            trim_unaligned                  "EINVAL"    "EINVAL"    "EINVAL"    "EINVAL"
            read_after_all                  "ok"        "ok"        "ok"        "ok"
            req_one_descriptors             [1]         [1]         [1]         -
            req_one_within_request          true        true        true        -
            block_status_contexts           ["base:allocation"] ["base:allocation"] ["base:allocation"] -
            block_status_covers_at_most_request true    true        true        -
            zero_status_never_lies          true        true        true        -
            zeroed_range_reads_zeros        true        false       true        -
            """;

    /** Where an answer is not qemu-nbd's, the protocol's leave for it; "probe@mode", or "probe" for every mode. */
    static final Map<String, String> WHY = new LinkedHashMap<>();

    static {
        WHY.put("offers_multi_conn", "CAN_MULTI_CONN is the server's to offer: every connection of an export shares one disk, "
                + "one FIFO, one bitmap (qemu-nbd offers it only with --shared)");
        for (String p : List.of("read_unaligned", "write_unaligned", "trim_unaligned")) {
            WHY.put(p, "below the advertised 512-byte minimum block size: the protocol lets the server answer EINVAL");
        }
        for (String m : List.of("rw", "simple")) {
            WHY.put("write_past_end@" + m, "the protocol: a write past the end SHOULD be ENOSPC (qemu-nbd: EINVAL)");
            WHY.put("zero_past_end@" + m, "the protocol: a write past the end SHOULD be ENOSPC (qemu-nbd: EINVAL)");
        }
        for (String p : List.of("write_0", "trim_0", "zero_0", "write_past_end", "trim_past_end", "zero_past_end", "write_fua",
                "write", "trim", "trim_fua", "zero", "zero_no_hole")) {
            WHY.put(p + "@ro", "the protocol: a write or trim on a read-only export SHOULD be EPERM (qemu-nbd: EINVAL, not offered)");
        }
        WHY.put("zeroed_range_reads_zeros@ro", "the zero was refused (EPERM), and our read-only export holds random data, "
                + "where qemu-nbd's holds zeros");
        for (String p : List.of("trim_0", "zero_0", "zero_past_end", "trim", "trim_fua", "zero", "zero_fast", "zero_fast_fua",
                "zero_no_hole", "zero_no_hole_fast", "offers_trim", "offers_zero", "offers_fast_zero")) {
            WHY.put(p + "@notrim", "'t': TRIM and WRITE_ZEROES not offered, so EINVAL, the protocol's answer to what was not offered");
        }
    }

    @TempDir
    Path dir;

    /** A python3 on PATH that has libnbd's binding (the first python3 found may be another one, e.g. a pyenv shim). */
    static Optional<String> pythonWithLibnbd() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "python3");
            if (Files.isExecutable(p) && Exec.run(Path.of("."), List.of(p.toString(), "-c", "import nbd"), 30).exit() == 0) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    static String python() {
        Optional<String> py = pythonWithLibnbd();
        if (py.isEmpty()) {
            System.err.println("*** NBD INTEROP TESTS SKIPPED in NbdLibnbdProbeTest: no python3 with libnbd's binding "
                    + "(apt-get install -y python3-libnbd)");
        }
        Assumptions.assumeTrue(py.isPresent(), "python3-libnbd missing");
        return py.get();
    }

    static Path script(Path dir) throws IOException {
        Path s = dir.resolve("probes.py");
        try (InputStream in = NbdLibnbdProbeTest.class.getResourceAsStream("/nbd/probes.py")) {
            Files.copy(in, s);
        }
        return s;
    }

    static JsonNode probe(String python, Path script, String uri, String mode) throws IOException {
        Exec.Result r = Exec.run(script.getParent(), List.of(python, script.toString(), uri, mode), 60);
        assertEquals(0, r.exit(), mode + " probes: " + r.both());
        return new ObjectMapper().readTree(r.out());
    }

    record Row(String probe, Map<String, String> expected) {
    }

    static List<Row> table() {
        List<Row> rows = new ArrayList<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            Map<String, String> e = new LinkedHashMap<>();
            for (int i = 0; i < MODES.size(); i++) {
                e.put(MODES.get(i), f[i + 1]);
            }
            rows.add(new Row(f[0], e));
        }
        return rows;
    }

    static String why(String probe, String mode) {
        return WHY.getOrDefault(probe + "@" + mode, WHY.get(probe));
    }

    static String shown(JsonNode n) {
        return n == null ? "-" : n.toString();
    }

    @Test
    void everyProbeIsAnsweredAsQemuNbdOrTheProtocolAllowsAndNoConnectionDies() throws Exception {
        String python = python();
        Path script = script(dir);
        Map<String, JsonNode> ours = new LinkedHashMap<>();
        try (NbdFixture f = new NbdFixture(dir)) {
            ours.put("rw", probe(python, script, f.uri("ubda"), "rw"));
            ours.put("ro", probe(python, script, f.uri("ubdb"), "ro"));
            ours.put("notrim", probe(python, script, f.uri("ubdc"), "notrim"));
            ours.put("simple", probe(python, script, f.uri("ubda"), "simple"));
            synchronized (f.log) {
                assertTrue(f.log.isEmpty(), "no probe is a protocol violation worth a log line: " + f.log);
            }
        }
        List<Row> rows = table();
        for (String mode : MODES) {
            JsonNode got = ours.get(mode);
            got.fields().forEachRemaining(e -> assertFalse(e.getValue().asText().startsWith("dead"),
                    mode + ": the connection died at " + e.getKey() + ": " + e.getValue()));
            for (Row row : rows) {
                String why = why(row.probe(), mode);
                assertEquals(row.expected().get(mode), shown(got.get(row.probe())),
                        mode + " " + row.probe() + (why == null ? " (qemu-nbd's answer)" : " (" + why + ")"));
            }
        }
        Optional<Path> qemuNbd = RealTools.find("qemu-nbd");
        if (qemuNbd.isEmpty()) {
            System.err.println("*** NbdLibnbdProbeTest: our answers checked against the table only; qemu-nbd is not installed "
                    + "(apt-get install -y qemu-utils) to compare with");
            return;
        }
        int compared = 0;
        for (String mode : List.of("rw", "ro", "simple")) {
            JsonNode qemu = qemuProbe(qemuNbd.get(), python, script, mode);
            for (Row row : rows) {
                if (why(row.probe(), mode) == null && !row.expected().get(mode).equals("-")) {
                    assertEquals(shown(qemu.get(row.probe())), shown(ours.get(mode).get(row.probe())),
                            mode + " " + row.probe() + ": claimed as qemu-nbd's answer");
                    compared++;
                }
            }
        }
        assertTrue(compared > 100, "compared " + compared);
    }

    /** qemu-nbd serving a raw image of the same size, writable or read-only, for one client. */
    private JsonNode qemuProbe(Path qemuNbd, String python, Path script, String mode) throws Exception {
        Path image = dir.resolve("qemu-" + mode + ".img");
        Files.write(image, new byte[(int) NbdFixture.SIZE]);
        Path socket = dir.resolve("q-" + mode + ".sock");
        List<String> cmd = new ArrayList<>(List.of(qemuNbd.toString(), "-f", "raw", "-k", socket.toString()));
        if (mode.equals("ro")) {
            cmd.add("-r");
        }
        cmd.add(image.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qemu-" + mode + ".log").toFile()).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(socket); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "qemu-nbd did not start: " + Files.readString(dir.resolve("qemu-" + mode + ".log")));
            return probe(python, script, "nbd+unix:///?socket=" + socket, mode);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
