// SPDX-License-Identifier: MIT
// Flamenco 3 job type: render the .blend files of a `makeittalk batch` run, one task per line.
//
// Install: copy this file into the `scripts/` folder next to the Flamenco Manager executable and
// restart the Manager. Submit with the Manager's API (or any Flamenco client) as job type
// "makeittalk-batch-render" with the settings below. Each line's .blend (made by `makeittalk batch`
// with blend=true) already holds its sound strip, camera, frame range and an FFmpeg output next to
// itself (//<id>.mp4), so a task is `blender -b <batch>/<id>/<id>.blend --render-anim`.

const JOB_TYPE = {
    label: "MakeItTalk batch render",
    description: "Render every line's .blend of a makeittalk batch folder (one task per line)",
    settings: [
        { key: "batch_dir", type: "string", subtype: "dir_path", required: true,
          description: "The batch output folder (the -o of makeittalk batch), on a path every Worker sees" },
        { key: "line_ids", type: "string", required: true,
          description: "Comma-separated line ids to render (the lines of report.json with a 'blend' output)" },
    ],
};

function compileJob(job) {
    const settings = job.settings;
    const dir = settings.batch_dir.replace(/[\\/]+$/, "");
    const ids = settings.line_ids.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    if (ids.length === 0) {
        throw "line_ids lists no line";
    }
    for (const id of ids) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id)) {
            throw `line id '${id}' is not a batch line id`;
        }
        const task = author.Task(`render-${id}`, "blender");
        task.addCommand(author.Command("blender-render", {
            exe: "{blender}",
            exeArgs: "{blenderArgs}",
            argsBefore: [],
            blendfile: `${dir}/${id}/${id}.blend`,
            args: ["--render-anim"],
        }));
        job.addTask(task);
    }
}
