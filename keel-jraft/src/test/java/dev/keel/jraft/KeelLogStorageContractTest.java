package dev.keel.jraft;

import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.util.JRaftServiceLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LogStorage contract on KeelLogStorage, plus where Keel says more than RocksDB does. */
class KeelLogStorageContractTest extends LogStorageContract {
    @Override
    LogStorage create(String path) {
        return new KeelLogStorage(path, new RaftOptions());
    }

    @Test
    void truncatePrefixPastTheEndLeavesAnEmptyLogThatContinuesThereAfterRestart() {
        open();
        appendRange(1, 10, 1, 10, 10);
        assertTrue(storage.truncatePrefix(51));
        assertEquals(51, storage.getFirstLogIndex());
        assertEquals(50, storage.getLastLogIndex(), "empty: last = first - 1");
        restart();
        assertEquals(51, storage.getFirstLogIndex());
        appendRange(51, 52, 2, 10, 2);
        assertEntry(data(51, 2, 10));
    }

    @Test
    void theServiceFactoryGivesKeelExplicitlyAndThroughTheSpi() {
        JRaftServiceFactory spi = JRaftServiceLoader.load(JRaftServiceFactory.class).first();
        assertInstanceOf(KeelJRaftServiceFactory.class, spi, "registered above JRaft's default");
        assertInstanceOf(KeelJRaftServiceFactory.class, NodeOptions.defaultServiceFactory);
        assertInstanceOf(KeelLogStorage.class, new KeelJRaftServiceFactory().createLogStorage(dir.toString(), new RaftOptions()));
    }

    @Test
    void anIndexThatGoesBackwardsIsRefusedAndChangesNothing() {
        open();
        appendRange(1, 10, 1, 10, 10);
        assertEquals(0, storage.appendEntries(List.of(data(5, 2, 10))));
        assertEquals(0, storage.appendEntries(List.of(data(11 + KeelLogStorage.MAX_HOLES + 1, 2, 10))));
        assertEquals(10, storage.getLastLogIndex());
        assertEntry(data(5, 1, 10));
    }
}
