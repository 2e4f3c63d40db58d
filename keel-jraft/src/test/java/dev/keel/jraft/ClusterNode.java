package dev.keel.jraft;

import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.JRaftUtils;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.option.NodeOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One JRaft node in its own JVM, for the cluster test and the cluster benchmark: a replicated
 * set of keys (the state machine adds each applied key), on KeelLogStorage or RocksDBLogStorage.
 * Driven by lines on stdin, answering on stdout; it exits when stdin closes, so a test that
 * dies cannot leave it running.
 *
 * <pre>
 *   put KEY        -> "ack KEY" once applied on the leader, "fail KEY" or "notleader KEY"
 *   role           -> "role LEADER" (or FOLLOWER, CANDIDATE, ...)
 *   check FILE     -> "missing N" : how many keys listed in FILE this node has not applied
 *   applied        -> "applied N" : how many keys this node has applied
 * </pre>
 *
 * Arguments: dataDir groupId self(ip:port) conf(ip:port,...) keel|rocksdb [dropEvery]. A
 * {@code dropEvery} above 0 plants loss (every Nth applied key is forgotten) so the test can
 * show that its check finds it.
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    /** The replicated state: the set of applied keys. */
    static final class KeySet extends StateMachineAdapter {
        final Set<String> keys = ConcurrentHashMap.newKeySet();
        private final int dropEvery;
        private long applied;

        KeySet(int dropEvery) {
            this.dropEvery = dropEvery;
        }

        @Override
        public void onApply(Iterator it) {
            while (it.hasNext()) {
                ByteBuffer data = it.getData();
                String key = StandardCharsets.UTF_8.decode(data.duplicate()).toString();
                applied++;
                if (dropEvery <= 0 || applied % dropEvery != 0) {
                    keys.add(key);
                }
                if (it.done() != null) {
                    it.done().run(Status.OK());
                }
                it.next();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        String groupId = args[1];
        PeerId self = PeerId.parsePeer(args[2]);
        boolean keel = args[4].equals("keel");
        KeySet fsm = new KeySet(args.length > 5 ? Integer.parseInt(args[5]) : 0);
        NodeOptions opts = new NodeOptions();
        opts.setElectionTimeoutMs(Integer.getInteger("keel.jraft.electionMs", 1500));
        opts.setInitialConf(JRaftUtils.getConfiguration(args[3]));
        opts.setFsm(fsm);
        opts.setLogUri(dataDir.resolve("log").toString());
        opts.setRaftMetaUri(dataDir.resolve("meta").toString());
        opts.setServiceFactory(keel ? new KeelJRaftServiceFactory() : new DefaultJRaftServiceFactory());
        RaftGroupService service = new RaftGroupService(groupId, self, opts);
        Node node = service.start();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("started " + self);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] cmd = line.split(" ", 2);
            switch (cmd[0]) {
                case "put" -> put(node, cmd[1], out);
                case "role" -> out.println("role " + node.getNodeState());
                case "applied" -> out.println("applied " + fsm.keys.size());
                case "check" -> {
                    long missing = Files.readAllLines(Path.of(cmd[1])).stream().filter(k -> !fsm.keys.contains(k)).count();
                    out.println("missing " + missing);
                }
                default -> out.println("error unknown command " + cmd[0]);
            }
        }
        service.shutdown();
        service.join();
        System.exit(0);
    }

    private static void put(Node node, String key, PrintStream out) {
        if (!node.isLeader()) {
            out.println("notleader " + key);
            return;
        }
        Task task = new Task();
        task.setData(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)));
        task.setDone(status -> out.println((status.isOk() ? "ack " : "fail ") + key));
        node.apply(task);
    }
}
