"""tg.optim: optimizers (fused multi-tensor updates) and lr_scheduler."""
