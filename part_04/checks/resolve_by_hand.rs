//! The checks of `resolve_by_hand`: `cargo exercise check resolve_by_hand` runs them against
//! part_04/exercises/resolve_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use tokio::time::{Instant, sleep};
use workshop::testing::within;

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn each_asker_gets_its_answer_when_another_task_responds() {
    within(Duration::from_secs(30), "two questions", async {
        let (start, desk) = (Instant::now(), Arc::new(Desk::default()));
        let (first, first_answer) = desk.ask();
        let (second, second_answer) = desk.ask();
        assert_ne!(first, second, "two questions got the same id, {first}");
        // Another task answers the second question after 1 s, the first after 2 s.
        let responder = Arc::clone(&desk);
        tokio::spawn(async move {
            sleep(SECOND).await;
            responder.respond(second, "two".to_owned());
            sleep(SECOND).await;
            responder.respond(first, "one".to_owned());
        });
        for (id, answer, expected, at) in [
            (second, second_answer, "two", SECOND),
            (first, first_answer, "one", 2 * SECOND),
        ] {
            let got = answer.await;
            assert_eq!(
                got.as_deref(),
                Ok(expected),
                "question {id} was answered {expected:?}, its asker got {got:?}"
            );
            let when = start.elapsed();
            assert_eq!(
                when, at,
                "{expected:?} was sent at {at:?}, it came at {when:?}"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_desk_gone_unanswered_wakes_the_asker_with_an_error() {
    within(Duration::from_secs(30), "an unanswered question", async {
        let (start, desk) = (Instant::now(), Desk::default());
        let (_, answer) = desk.ask();
        // The desk goes away after 1 s, the question unanswered.
        tokio::spawn(async move {
            sleep(SECOND).await;
            drop(desk);
        });
        let patience = 10 * SECOND;
        match tokio::time::timeout(patience, answer).await {
            Ok(Err(_)) => {} // RecvError: nobody will ever answer
            Ok(Ok(answer)) => panic!("the asker got {answer:?}, yet nobody answered"),
            Err(_) => panic!(
                "the asker was still waiting {patience:?} after the desk went away: a Sender \
                 dropped unsent wakes its Receiver with Err(RecvError), so the desk must own \
                 the Senders"
            ),
        }
        assert_eq!(start.elapsed(), SECOND, "the asker must hear at once (1s)");
    })
    .await;
}

#[test]
fn respond_says_false_when_nobody_gets_the_answer() {
    let desk = Desk::default();
    let nobody = |id| format!("respond({id}) said true, but nobody gets that answer:");
    assert!(
        !desk.respond(99, "lost".into()),
        "{} 99 was never asked",
        nobody(99)
    );
    let (id, _answer) = desk.ask();
    assert!(
        desk.respond(id, "first".into()),
        "respond({id}) said false, but its asker was waiting"
    );
    assert!(
        !desk.respond(id, "second".into()),
        "{} it was answered already (Python: InvalidStateError)",
        nobody(id)
    );
    let (id, answer) = desk.ask();
    drop(answer); // the asker gives up
    assert!(
        !desk.respond(id, "too late".into()),
        "{} its asker dropped its Receiver, and Sender::send says so",
        nobody(id)
    );
}
