package dev.keel.jraft;

import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;

/** The same contract on JRaft's default RocksDBLogStorage (on the rocksdbjni the build resolves), to show both agree. */
class RocksDBLogStorageContractTest extends LogStorageContract {
    @Override
    LogStorage create(String path) {
        return new RocksDBLogStorage(path, new RaftOptions());
    }
}
