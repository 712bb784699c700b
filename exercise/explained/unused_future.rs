// explains: unused_future
// A future called and never awaited: nothing runs.
async fn save() {}

pub async fn run() {
    save();
}
