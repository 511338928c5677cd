package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.ubdjava.realtools.Processes;
import org.ubdjava.cli.replay.ReplayRun;

/** The README's main job: `ubd demo` replays the shipped guest traces on 16 VMs, checks everything, and compares with fio. */
class DemoCommandTest {
    @Test
    void replaysTheThreeGuestTracesOnSixteenVmsAndPassesEveryCheck() {
        ReplayRun r = ReplayRun.of("demo");
        assertEquals(0, r.exit(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("replay PASSED: 16 VMs"), out);
        assertTrue(out.contains("3 trace(s); VMs shifted in time: even"), out);
        assertTrue(out.contains("mismatched sectors 0, I/O errors 0"), out);
        assertTrue(out.contains("backing unchanged yes, bitmaps exact yes, merges checked 2/2"), out);
        if (Processes.onPath("fio").isPresent()) {
            Matcher m = Pattern.compile("fio's own replay of the same traces .*: (\\d+) IOPS; ours (\\d+) IOPS with every read verified: "
                    + "(\\d+\\.\\d\\d)x fio").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(Double.parseDouble(m.group(2)) / Double.parseDouble(m.group(1)), Double.parseDouble(m.group(3)), 0.01);
        } else {
            System.err.println("*** DemoCommandTest: fio is not installed, the fio line is not checked (apt-get install -y fio)");
            assertTrue(out.contains("(fio not installed"), out);
        }
    }
}
