package org.ubdjava.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.ubdjava.core.UbdException;

class ReplayBenchTest {
    /** fio 3.33's JSON for two replay jobs with group_reporting (recorded here; its job_runtime adds the jobs up). */
    private static String recorded() throws Exception {
        try (InputStream in = ReplayBenchTest.class.getResourceAsStream("/fio/replay-2-jobs-group.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void fioRowTakesTheLongestJobsRuntimeNotTheirSum() throws Exception {
        // what a guest prints around fio's JSON must not matter
        ReplayBenchReport.Row r = ReplayBench.fioRow("t", 2, ReplayBenchReport.System.FIO_REPLAY,
                "fio-3.33 starting\n" + recorded() + "\n[ 12.3] reboot: Power down\n");
        assertEquals(2874 + 1126, r.requests());
        assertEquals((2874 + 1126) / 0.019, r.iops(), 1e-6);
        assertEquals((11771904 + 4612096) / 0.019 / 1e6, r.mbPerS(), 1e-6);
        assertEquals(1.272, r.latencyP50Us(), 1e-9, "the reads' completion latency: reads are the commoner op");
        assertEquals(57.088, r.latencyP99Us(), 1e-9);
    }

    @Test
    void noJsonOrNothingReplayedIsAnError() {
        UbdException e = assertThrows(UbdException.class,
                () -> ReplayBench.fioRow("t", 1, ReplayBenchReport.System.UML_UBD_FIO, "fopen read iolog: No such file\n"));
        assertTrue(e.getMessage().startsWith("real UML ubd printed no JSON result: fopen read iolog"), e.getMessage());
        assertThrows(UbdException.class, () -> ReplayBench.fioRow("t", 1, ReplayBenchReport.System.FIO_REPLAY, "{\"jobs\":[{}]}"));
    }

    @Test
    void ratiosAreToFioOnTheSameTraceAndVmCount() {
        ReplayBenchReport.Row ours = new ReplayBenchReport.Row("a", 16, ReplayBenchReport.System.UBD_REPLAY, 10, 300, 1, 1, 1, true, 0, 0);
        ReplayBenchReport.Row fio16 = new ReplayBenchReport.Row("a", 16, ReplayBenchReport.System.FIO_REPLAY, 10, 200, 1, 1, 1, true, 0, 0);
        ReplayBenchReport.Row fio1 = new ReplayBenchReport.Row("a", 1, ReplayBenchReport.System.FIO_REPLAY, 10, 900, 1, 1, 1, true, 0, 0);
        ReplayBenchReport.Row other = new ReplayBenchReport.Row("b", 16, ReplayBenchReport.System.UBD_REPLAY, 10, 300, 1, 1, 1, true, 0, 0);
        ReplayBenchReport report = new ReplayBenchReport(List.of(ours, fio16, fio1, other));
        assertEquals(1.5, report.ratioToFio(ours), 1e-9);
        assertTrue(Double.isNaN(report.ratioToFio(other)));
        String json = org.ubdjava.harness.report.Json.write(report);
        assertTrue(json.contains("\"system\" : \"ubd_replay\""), json);
        assertTrue(json.contains("\"ratio_to_fio\" : 1.5"), json);
        assertTrue(json.contains("\"iops\" : 300.0"), json);
    }
}
