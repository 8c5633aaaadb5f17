"""The ATT-LSTM in PyTorch: the only module that imports torch.

Architecture (the research notebook's): a window of T days x F features -> LSTM returning its
whole output sequence -> dropout -> a tanh scoring layer giving one score per day -> softmax over
the T days (the attention weights, positive, summing to 1) -> the attention-weighted sum of the
LSTM outputs (the context vector) -> a linear layer and a sigmoid: the probability that the next
close is above the last close of the window. Loss: binary cross-entropy; optimiser: Adam; early
stopping on a validation slice, keeping the weights of the best validation epoch.

Determinism: `set_deterministic(threads)` fixes the thread count and makes torch refuse
non-deterministic kernels; every fold seeds torch from its own seed before it initialises
weights, shuffles or drops out. Same input, settings, seed, torch version, thread count and CPU
kind give bit-identical output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

TORCH_VERSION = torch.__version__


class AttentionLSTM(nn.Module):
    def __init__(self, features: int, hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.score = nn.Linear(hidden_size, 1)
        self.output = nn.Linear(hidden_size, 1)

    def forward(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (batch,) and attention weights (batch, T), the oldest day first."""
        sequence, _ = self.lstm(windows)
        sequence = self.dropout(sequence)
        attention = torch.softmax(torch.tanh(self.score(sequence)).squeeze(-1), dim=1)
        context = (attention.unsqueeze(-1) * sequence).sum(dim=1)
        return self.output(context).squeeze(-1), attention


@dataclass(frozen=True)
class FittedModel:
    model: AttentionLSTM
    training_loss: list[float]  # per epoch: mean loss of its batches (dropout on)
    validation_loss: list[float]  # per epoch: loss on the validation slice after it (dropout off)
    best_epoch: int  # 1-based; its weights are the ones kept


def set_deterministic(threads: int) -> None:
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def fitted_model(
    train_windows: np.ndarray,
    train_labels: np.ndarray,
    validation_windows: np.ndarray,
    validation_labels: np.ndarray,
    *,
    hidden_size: int,
    dropout: float,
    epochs: int,
    patience: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    on_epoch: Callable[[int, bool], None] = lambda epoch, last: None,
) -> FittedModel:
    """Train on (windows, labels) with Adam; stop after `patience` epochs without a lower
    validation loss and keep the best epoch's weights. `on_epoch(epoch, last)` after each epoch."""
    torch.manual_seed(seed)
    shuffle = torch.Generator().manual_seed(seed)
    model = AttentionLSTM(train_windows.shape[2], hidden_size, dropout)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_of = nn.BCEWithLogitsLoss()
    x, y = torch.from_numpy(train_windows), torch.from_numpy(train_labels.astype(np.float32))
    x_val, y_val = torch.from_numpy(validation_windows), torch.from_numpy(validation_labels.astype(np.float32))
    training_loss, validation_loss = [], []
    best_loss, best_epoch, best_state = float("inf"), 0, None
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for batch in torch.randperm(len(x), generator=shuffle).split(batch_size):
            optimiser.zero_grad()
            loss = loss_of(model(x[batch])[0], y[batch])
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        training_loss.append(total / len(x))
        model.eval()
        with torch.no_grad():
            validation_loss.append(float(loss_of(model(x_val)[0], y_val)))
        if validation_loss[-1] < best_loss:
            best_loss, best_epoch = validation_loss[-1], epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        last = epoch == epochs or epoch - best_epoch >= patience
        on_epoch(epoch, last)
        if last:
            break
    model.load_state_dict(best_state)
    model.eval()
    return FittedModel(model, training_loss, validation_loss, best_epoch)


def forecasts(model: AttentionLSTM, windows: np.ndarray, rows_per_batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (n,) and attention weights (n, T), the oldest day first.

    Windows go through the model in batches of exactly `rows_per_batch` (the last one padded),
    so a window's forecast never depends on how many other windows are forecast with it.
    """
    padded = -len(windows) % rows_per_batch
    x = torch.from_numpy(np.concatenate([windows, np.zeros((padded, *windows.shape[1:]), windows.dtype)]))
    probabilities, attention = [], []
    model.eval()
    with torch.no_grad():
        for batch in x.split(rows_per_batch):
            logits, weights = model(batch)
            probabilities.append(torch.sigmoid(logits))
            attention.append(weights)
    n = len(windows)
    return torch.cat(probabilities)[:n].numpy().astype(float), torch.cat(attention)[:n].numpy().astype(float)
