package dev.keel.jraft;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ClusterNode} in a child JVM, seen from the test: puts answered through futures,
 * queries answered in order, SIGKILL, restart on the same directory and port. Only loopback.
 */
final class NodeProcess implements AutoCloseable {
    static final String DEAD = "dead";
    private static final long QUERY_TIMEOUT_MS = 10_000;

    final String address;
    private final Path dataDir;
    private final String groupId;
    private final String conf;
    private final String storage;
    private final int dropEvery;
    private Process process;
    private Writer stdin;
    private final Map<String, CompletableFuture<String>> puts = new ConcurrentHashMap<>();
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    NodeProcess(Path dataDir, String groupId, String address, String conf, String storage, int dropEvery) {
        this.dataDir = dataDir;
        this.groupId = groupId;
        this.address = address;
        this.conf = conf;
        this.storage = storage;
        this.dropEvery = dropEvery;
    }

    /** Starts the child JVM (again, after a kill) and waits until its Raft node runs. */
    synchronized void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-ea",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, ClusterNode.class.getName(),
            dataDir.toString(), groupId, address, conf, storage, Integer.toString(dropEvery)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling(dataDir.getFileName() + ".stderr").toFile()));
        dataDir.toFile().mkdirs();
        process = pb.start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        CompletableFuture<Void> up = new CompletableFuture<>();
        Process p = process;
        Thread reader = new Thread(() -> readAnswers(p, up), "node-" + address);
        reader.setDaemon(true);
        reader.start();
        up.get(60, TimeUnit.SECONDS);
    }

    private void readAnswers(Process p, CompletableFuture<Void> up) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int sp = line.indexOf(' ');
                String verb = sp < 0 ? line : line.substring(0, sp);
                String arg = sp < 0 ? "" : line.substring(sp + 1);
                switch (verb) {
                    case "started" -> up.complete(null);
                    case "ack", "fail", "notleader" -> {
                        CompletableFuture<String> f = puts.remove(arg);
                        if (f != null) {
                            f.complete(verb);
                        }
                    }
                    default -> answers.add(line);
                }
            }
        } catch (IOException ignored) {
            // The process died: the pending puts are completed below.
        }
        up.completeExceptionally(new IllegalStateException("node " + address + " exited before starting"));
        puts.forEach((k, f) -> f.complete(DEAD));
        puts.clear();
    }

    /** Sends a put; the future completes with ack, fail, notleader or dead. */
    CompletableFuture<String> put(String key) {
        CompletableFuture<String> f = new CompletableFuture<>();
        puts.put(key, f);
        if (!send("put " + key)) {
            puts.remove(key);
            f.complete(DEAD);
        }
        return f;
    }

    /** The answer to one query, or null when the node does not answer (dead or stuck). */
    synchronized String query(String command) throws InterruptedException {
        answers.clear();
        if (!send(command)) {
            return null;
        }
        return answers.poll(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private synchronized boolean send(String line) {
        try {
            if (process == null || !process.isAlive()) {
                return false;
            }
            stdin.write(line + "\n");
            stdin.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    boolean isLeader() throws InterruptedException {
        return "role STATE_LEADER".equals(query("role"));
    }

    /** SIGKILL: no shutdown hook, no close, the storage as a crash leaves it. */
    void kill() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor();
    }

    long pid() {
        return process.pid();
    }

    /** CPU time the node's JVM has used so far (user + system, from /proc), in milliseconds; -1 when gone. */
    long cpuMillis() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // fields 14 and 15, at 100 ticks a second
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
            if (p == null) {
                return;
            }
            try {
                stdin.close(); // the node exits at the end of its input
            } catch (IOException ignored) {
                // Already gone.
            }
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
