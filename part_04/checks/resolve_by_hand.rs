//! The checks of `resolve_by_hand`: `cargo exercise check resolve_by_hand` runs them against
//! part_04/exercises/resolve_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use futures::future::join_all;
use std::time::Duration;
use tokio::sync::oneshot::error::TryRecvError;
use tokio::time::{Instant, sleep, sleep_until};
use workshop::testing::within;

const SECOND: Duration = Duration::from_secs(1);

/// What an asker got, and when: its `Receiver`'s output, seconds after the start.
type Got = (Result<String, oneshot::error::RecvError>, Duration);

/// Asks one question per entry of `plan`; a task of the test's own then responds to question `i`
/// with `plan[i].0` at `plan[i].1`, while every asker awaits its `Receiver`. Gives the ids, what
/// each asker got and when, and what each `respond` said.
async fn answer_by_plan(plan: &[(&'static str, Duration)]) -> (Vec<u64>, Vec<Got>, Vec<bool>) {
    let (start, desk) = (Instant::now(), Arc::new(Desk::default()));
    let asked: Vec<(u64, oneshot::Receiver<String>)> = plan.iter().map(|_| desk.ask()).collect();
    let ids: Vec<u64> = asked.iter().map(|&(id, _)| id).collect();
    for (i, &id) in ids.iter().enumerate() {
        assert!(
            !ids[..i].contains(&id),
            "two questions got the same id, {id} (ids {ids:?})"
        );
    }
    for (id, answer) in &asked {
        assert!(
            answer.is_empty(),
            "question {id} had an answer before anyone responded: ask must hand back the \
             Receiver of a new channel, and only respond sends on its Sender"
        );
    }
    // The responder: in the order of the plan's times, one `respond` each.
    let mut order: Vec<usize> = (0..plan.len()).collect();
    order.sort_by_key(|&i| plan[i].1);
    let responder = tokio::spawn({
        let desk = Arc::clone(&desk);
        let plan: Vec<(u64, &str, Duration)> = order
            .iter()
            .map(|&i| (ids[i], plan[i].0, plan[i].1))
            .collect();
        async move {
            let mut said = Vec::new();
            for (id, answer, at) in plan {
                sleep_until(start + at).await;
                said.push((id, desk.respond(id, answer.to_owned())));
            }
            said
        }
    });
    let got = join_all(
        asked
            .into_iter()
            .map(|(_, answer)| async move { (answer.await, start.elapsed()) }),
    )
    .await;
    let said = responder.await.expect("the responder does not panic");
    let said = ids
        .iter()
        .map(|id| said.iter().any(|&(i, ok)| i == *id && ok))
        .collect();
    (ids, got, said)
}

#[tokio::test(start_paused = true)]
async fn each_asker_gets_its_answer_when_another_task_responds() {
    within(Duration::from_secs(60), "the askers", async {
        for plan in [
            vec![("one", 3 * SECOND), ("two", SECOND), ("three", 2 * SECOND)],
            vec![("yes", 2 * SECOND), ("no", 5 * SECOND)],
        ] {
            let (ids, got, said) = answer_by_plan(&plan).await;
            for (i, ((expected, at), (answer, when))) in plan.iter().zip(got).enumerate() {
                let id = ids[i];
                assert!(
                    said[i],
                    "respond({id}, {expected:?}) said false, but its asker was waiting"
                );
                match answer {
                    Err(_) => panic!(
                        "question {id}'s asker got Err(RecvError) at {when:?}: its Sender was \
                         dropped without sending. The desk must keep it (in `waiting`, under \
                         the id) until respond takes it out and sends on it"
                    ),
                    Ok(answer) => assert_eq!(
                        answer, *expected,
                        "question {id} was answered {expected:?}, its asker got {answer:?}: each \
                         asker gets the answer sent under its own id"
                    ),
                }
                assert_eq!(
                    when, *at,
                    "question {id}'s answer {expected:?} was sent at {at:?}, its asker got it \
                     at {when:?}: the Receiver resolves when respond sends, not before"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_desk_gone_unanswered_wakes_the_asker_with_an_error() {
    within(Duration::from_secs(60), "an unanswered question", async {
        for gone in [SECOND, 4 * SECOND] {
            let (start, desk) = (Instant::now(), Desk::default());
            let (answered, first) = desk.ask();
            let (_, second) = desk.ask();
            // Question 1 is answered at once; the desk goes away at `gone`, question 2
            // unanswered.
            desk.respond(answered, "kept".to_owned());
            tokio::spawn(async move {
                sleep(gone).await;
                drop(desk);
            });
            let patience = 10 * SECOND;
            match tokio::time::timeout(patience, second).await {
                Ok(Err(_)) => {} // RecvError: nobody will ever answer
                Ok(Ok(answer)) => panic!("the asker got {answer:?}, yet nobody answered"),
                Err(_) => panic!(
                    "the asker was still waiting {patience:?} after the desk went away: a \
                     Sender dropped unsent wakes its Receiver with Err(RecvError), so the desk \
                     must own the Senders (in `waiting`), and nothing else may keep them"
                ),
            }
            let when = start.elapsed();
            assert_eq!(
                when, gone,
                "the desk went away at {gone:?}; its unanswered asker must hear at once, and \
                 heard at {when:?}"
            );
            let first = first.await;
            assert_eq!(
                first.as_deref(),
                Ok("kept"),
                "question {answered} was answered before the desk went away: its answer stays \
                 in the channel for its asker"
            );
        }
    })
    .await;
}

#[test]
fn respond_says_false_when_nobody_gets_the_answer() {
    let desk = Desk::default();
    let asked: Vec<(u64, oneshot::Receiver<String>)> = (0..3).map(|_| desk.ask()).collect();
    let ids: Vec<u64> = asked.iter().map(|&(id, _)| id).collect();
    assert_eq!(
        ids,
        [1, 2, 3],
        "the desk numbers its questions 1, 2, 3, …: the first ask() gives 1"
    );
    let answers: Vec<oneshot::Receiver<String>> = asked.into_iter().map(|(_, rx)| rx).collect();
    let [mut first, second, mut third]: [_; 3] =
        answers.try_into().expect("three questions were asked");
    let nobody = |id| format!("respond({id}) said true, but nobody gets that answer:");
    assert!(
        !desk.respond(99, "lost".into()),
        "{} 99 was never asked",
        nobody(99)
    );
    assert!(
        desk.respond(1, "first".into()),
        "respond(1) said false, but its asker was waiting"
    );
    let got = first.try_recv();
    assert_eq!(
        got,
        Ok("first".to_owned()),
        "respond(1, \"first\") said true, and its asker's Receiver gave {got:?}"
    );
    assert!(
        !desk.respond(1, "second".into()),
        "{} it was answered already (Python: InvalidStateError)",
        nobody(1)
    );
    drop(second); // the asker gives up
    assert!(
        !desk.respond(2, "too late".into()),
        "{} its asker dropped its Receiver, and Sender::send says so: it hands the answer back \
         as Err (do not throw that Result away with `let _ =`)",
        nobody(2)
    );
    assert_eq!(
        third.try_recv(),
        Err(TryRecvError::Empty),
        "question 3 had an answer, yet nobody responded to it"
    );
    assert!(
        desk.respond(3, "third".into()),
        "respond(3) said false, but its asker was waiting"
    );
    let got = third.try_recv();
    assert_eq!(
        got,
        Ok("third".to_owned()),
        "respond(3, \"third\") said true: each asker gets the answer sent under its own id, and \
         question 3's got {got:?}"
    );
}
