package org.ubdjava.export.vhost;

import java.util.function.Consumer;

import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * What a front-end's session and its queue serve: a disk attached to its driver, where its
 * requests are recorded (null: nowhere), and the server's log, where a line names the device.
 */
record ServedDisk(UbdDriver driver, Disk disk, IologRecorder recorder, Consumer<String> log) {
    /** One line to the server's log about this device. */
    void say(String line) {
        log.accept(disk.name() + ": " + line);
    }

    /** Records a request about to be submitted, when recording. */
    void record(IoOp op, long at, long length) {
        if (recorder != null) {
            recorder.record(op, at, length);
        }
    }
}
