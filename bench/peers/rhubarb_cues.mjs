// Rhubarb Lip Sync (WebAssembly port from the npm registry) on a batch of clips, for bench/eval_lipsync.py.
// usage: node rhubarb_cues.mjs jobs.json  (jobs: [{"pcm": "file.s16", "text": "..."}]) -> JSON lines on stdout
// Each line: {"i": k, "cues": [{"start", "end", "value"}], "seconds": wall time} or {"i": k, "error": "..."}.
import { readFileSync } from "fs";
import { Rhubarb } from "rhubarb-lip-sync-wasm";

const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (let i = 0; i < jobs.length; i++) {
  const t0 = process.hrtime.bigint();
  try {
    const pcm = readFileSync(jobs[i].pcm);
    const res = await Rhubarb.getLipSync(pcm, { dialogText: jobs[i].text || "" });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(JSON.stringify({ i, cues: res.mouthCues, seconds }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ i, error: String(e) }) + "\n");
  }
}
