"""train_digits.py on several MPI ranks: DistributedDataParallel + DistributedSampler.

    python -m tensorgen.distributed.run -n 2 examples/train_digits_distributed.py [--epochs 12]
    (or: mpiexec -n 2 python examples/train_digits_distributed.py)

Same model, data split, optimizer and schedule as train_digits.py; each rank trains on its own
half of every epoch (DistributedSampler, reshuffled per epoch with set_epoch) with a per-rank
batch of batch_size / world_size, so one optimizer step sees the same global batch size as the
single-process run, and DDP averages the gradients during backward. --sync-bn converts the
BatchNorm layers to SyncBatchNorm (statistics over the global batch). Rank 0 alone logs,
evaluates and writes the checkpoint (tg.save writes it atomically); the others wait at a barrier.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorgen as tg  # noqa: E402
import tensorgen.distributed as dist  # noqa: E402
import tensorgen.nn.functional as F  # noqa: E402
from tensorgen.nn.parallel import DistributedDataParallel, SyncBatchNorm  # noqa: E402
from tensorgen.utils.data import DataLoader  # noqa: E402
from tensorgen.utils.data.distributed import DistributedSampler  # noqa: E402
from train_digits import DigitsCNN, evaluate, load_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch (split over the ranks)")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sync-bn", action="store_true", help="BatchNorm statistics over the global batch")
    parser.add_argument("--out", default="runs/digits_distributed")
    args = parser.parse_args()

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be divisible by the {world} ranks")
    tg.manual_seed(args.seed)           # the same init everywhere (DDP broadcasts rank 0's anyway)
    train_set, test_set = load_data(args.seed)
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    test_loader = DataLoader(test_set, batch_size=256)

    model: tg.nn.Module = DigitsCNN()
    if args.sync_bn:
        model = SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = DistributedDataParallel(model)
    optimizer = tg.optim.Adam(ddp.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = tg.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                 steps_per_epoch=len(train_loader))
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        print(f"{world} ranks; {sum(p.numel() for p in model.parameters()):,} parameters; "
              f"{len(sampler)} training images per rank per epoch")

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)        # a new shuffle each epoch, the same on every rank
        ddp.train()
        loss_sum = tg.zeros(2, dtype=tg.float64)    # (sum of losses, samples) on this rank
        for x, y in train_loader:
            loss = F.cross_entropy(ddp(x), y)
            optimizer.zero_grad()
            loss.backward()             # gradients averaged over the ranks during backward
            optimizer.step()
            scheduler.step()
            loss_sum += tg.tensor([loss.item() * y.shape[0], float(y.shape[0])], dtype=tg.float64)
        dist.all_reduce(loss_sum)       # the epoch's training loss over every rank's samples
        if rank == 0:
            test_loss, test_acc = evaluate(model, test_loader)
            print(f"epoch {epoch:2d}  train loss {float(loss_sum[0] / loss_sum[1]):.4f}  test loss {test_loss:.4f}  "
                  f"test accuracy {100 * test_acc:.2f}%", flush=True)
    elapsed = time.perf_counter() - start

    if rank == 0:                       # one writer; the file appears atomically
        checkpoint = os.path.join(args.out, "digits_cnn.pt")
        tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs,
                 "world_size": world}, checkpoint)
        restored: tg.nn.Module = DigitsCNN()
        if args.sync_bn:
            restored = SyncBatchNorm.convert_sync_batchnorm(restored)
        restored.load_state_dict(tg.load(checkpoint)["model"])
        _, acc = evaluate(restored, test_loader)
        print(f"trained {args.epochs} epochs on {world} ranks in {elapsed:.1f} s; reloaded {checkpoint}: "
              f"test accuracy {100 * acc:.2f}%")
        if acc < 0.97:
            raise SystemExit(f"test accuracy {100 * acc:.2f}% is below the 97% of the single-process example")
    dist.barrier()                      # nobody exits (and finalizes MPI) while rank 0 still writes
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
