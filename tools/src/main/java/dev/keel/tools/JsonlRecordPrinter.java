package dev.keel.tools;

import java.io.PrintWriter;
import java.util.Base64;

/**
 * {@code --format jsonl}: one JSON object per line, for jq and scripts:
 * {@code {"lsn":7,"segment":1,"file":"wal-...seg","offset":4096,"length":100,"crc_valid":true,"payload":"base64"}}.
 * Every string written is a segment file name or base64, so nothing needs escaping.
 */
final class JsonlRecordPrinter implements RecordPrinter {
    private final Base64.Encoder base64 = Base64.getEncoder();

    @Override
    public void print(DumpedRecord r, PrintWriter out) {
        out.println("{\"lsn\":" + r.lsn() + ",\"segment\":" + r.segmentIndex() + ",\"file\":\"" + r.segment().getFileName()
            + "\",\"offset\":" + r.offsetBytes() + ",\"length\":" + r.lengthBytes() + ",\"crc_valid\":true"
            + ",\"payload\":\"" + base64.encodeToString(r.payload()) + "\"}");
    }
}
