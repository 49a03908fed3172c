//! The bounded worker pool of the background activities: a fixed number of
//! threads fed by a bounded queue. The lifecycle is synchronous (it calls
//! ZATCA and writes the store), so each activity runs on a worker thread and
//! never on the HTTP runtime. A full queue makes the submitter wait, so
//! memory stays bounded however many activities are started.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zatca_onboarding::ActivityId;
use zatca_profile::Otp;

/// One activity to continue, with the OTP it was started with (none when
/// it is resumed after a restart: OTPs are never stored).
pub(crate) struct Job {
    pub(crate) activity_id: ActivityId,
    pub(crate) otp: Option<Otp>,
}

/// The workers and their queue.
pub(crate) struct Pool {
    sender: Mutex<Option<SyncSender<Job>>>,
    alive: Arc<AtomicUsize>,
    queued: Arc<AtomicUsize>,
}

impl Pool {
    /// Starts `workers` threads (at least 1) running `run` on each job, with
    /// room for `capacity` waiting jobs.
    pub(crate) fn start(
        workers: usize,
        capacity: usize,
        run: Arc<dyn Fn(Job) + Send + Sync>,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = sync_channel::<Job>(capacity);
        let receiver = Arc::new(Mutex::new(receiver));
        let alive = Arc::new(AtomicUsize::new(0));
        let queued = Arc::new(AtomicUsize::new(0));
        for n in 0..workers.max(1) {
            let receiver = Arc::clone(&receiver);
            let alive = Arc::clone(&alive);
            let queued = Arc::clone(&queued);
            let run = Arc::clone(&run);
            alive.fetch_add(1, Ordering::SeqCst);
            let spawned = std::thread::Builder::new()
                .name(format!("activity worker {n}"))
                .spawn(move || {
                    work(&receiver, &queued, run.as_ref());
                    alive.fetch_sub(1, Ordering::SeqCst);
                });
            // On failure, the threads already started end as the sender is dropped.
            spawned?;
        }
        Ok(Self {
            sender: Mutex::new(Some(sender)),
            alive,
            queued,
        })
    }

    /// Queues a job, waiting while the queue is full; gives it back once the
    /// pool is closed.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let sender = match self.sender.lock() {
            Ok(guard) => guard.clone(),
            Err(_) => None,
        };
        let Some(sender) = sender else {
            return Err(job);
        };
        self.queued.fetch_add(1, Ordering::SeqCst);
        sender.send(job).map_err(|e| {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            e.0
        })
    }

    /// How many jobs wait or run.
    pub(crate) fn pending(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Takes no more jobs; the workers finish the queued ones and end.
    /// Waits up to `grace` for them; `true` when all ended.
    pub(crate) fn close(&self, grace: Duration) -> bool {
        if let Ok(mut guard) = self.sender.lock() {
            guard.take();
        }
        let deadline = Instant::now() + grace;
        while self.alive.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

fn work(receiver: &Mutex<Receiver<Job>>, queued: &AtomicUsize, run: &(dyn Fn(Job) + Send + Sync)) {
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            return;
        };
        run(job);
        queued.fetch_sub(1, Ordering::SeqCst);
    }
}
