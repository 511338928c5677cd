package org.ubdjava.driver.queue;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

/**
 * One I/O thread and the ring it serves: every request of the disks assigned to it, and nothing
 * else. The driver has one per I/O thread rather than one ring that every thread scans: then no
 * slot, cursor or sequence is written by one core and read by another on the request path (with
 * one shared ring, each handler would read every slot the other's producers had just written, a
 * cache miss per request per thread, enough to make two threads slower than one). Any thread may
 * submit (multi-producer); a completion that submits its disk's next request publishes to its own
 * thread's ring, uncontended.
 */
final class IoRing {
    final RingBuffer<RequestEvent> ring;
    private final Disruptor<RequestEvent> disruptor;
    private final IoHandler handler;

    /** The threads that run requests and completions: a blocking submit on one of them could wait for good. */
    static final class IoThread extends Thread {
        IoThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    IoRing(int index, int size, WaitStrategy waitStrategy, DriverStats stats, Offload offload) {
        ThreadFactory thread = r -> new IoThread(r, "ubd-io-" + index);
        disruptor = new Disruptor<>(RequestEvent::new, size, thread, ProducerType.MULTI, waitStrategy);
        handler = new IoHandler(index, stats, offload);
        disruptor.handleEventsWith(handler);
        // a bug in a handler must not stop the ring (every disk of that thread would hang): say it and go on
        disruptor.setDefaultExceptionHandler(new ExceptionHandler<>() {
            @Override
            public void handleEventException(Throwable ex, long sequence, RequestEvent event) {
                System.err.println("ubd: I/O thread " + index + " failed on request " + sequence + ": " + ex);
            }

            @Override
            public void handleOnStartException(Throwable ex) {
                System.err.println("ubd: I/O thread " + index + " failed to start: " + ex);
            }

            @Override
            public void handleOnShutdownException(Throwable ex) {
                System.err.println("ubd: I/O thread " + index + " failed to stop: " + ex);
            }
        });
        ring = disruptor.start();
    }

    /**
     * Lets every request already published complete, then stops the thread. Called once no
     * submitter can publish any more: then what can still come is a resume event for a disk held
     * behind an offloaded call, so the thread runs until the ring is empty and no disk is held,
     * looked at in that order (a request taken from the ring after the first look is seen held by the
     * second; a held disk's resume comes before it is let go).
     */
    void shutdown(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while ((ring.getCursor() > ring.getMinimumGatingSequence() || handler.held() > 0) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
        try {
            disruptor.shutdown(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (com.lmax.disruptor.TimeoutException e) {
            disruptor.halt();
        }
    }
}
