"""tg.utils.data: Dataset, samplers, DataLoader with torch.utils.data's names and behaviour."""
