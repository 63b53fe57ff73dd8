"""DKT and DKVMN as pyKT defines them, written for assay: the same parameter names and shapes
(so a state_dict trained here or with pyKT loads into the engine as it is) and the same
equations, for one concept per step ("qid": multi-concept questions expanded into consecutive
steps).

Both take whole sequences: c (concept index, long [B, T]) and r (0/1, long [B, T]) and return
p [B, T], the probability of a correct answer at each step *before* that step's answer is seen.
Step 0 is predicted from the initial state: DKT from h = 0 (the output bias), DKVMN from Mv0.
"""
import torch
from torch import nn


class DKT(nn.Module):
    """pyKT's DKT: an embedding of the interaction x = c + C*r, one LSTM layer, a linear output
    with a sigmoid giving every concept's probability of a correct next answer."""

    def __init__(self, num_c, emb_size=200, dropout=0.1):
        super().__init__()
        self.num_c = num_c
        self.emb_size = emb_size
        self.hidden_size = emb_size
        self.interaction_emb = nn.Embedding(num_c * 2, emb_size)
        self.lstm_layer = nn.LSTM(emb_size, self.hidden_size, batch_first=True)
        self.dropout_layer = nn.Dropout(dropout)
        self.out_layer = nn.Linear(self.hidden_size, num_c)

    def forward(self, c, r):
        x = c + self.num_c * r
        h, _ = self.lstm_layer(self.interaction_emb(x))
        # the state before step t is h_{t-1}; before step 0 it is zero
        h = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)
        y = torch.sigmoid(self.out_layer(self.dropout_layer(h)))
        return torch.gather(y, 2, c.unsqueeze(-1)).squeeze(-1)


class DKVMN(nn.Module):
    """pyKT's DKVMN: a static key memory Mk [M, D], a value memory starting at Mv0 [M, D] that
    each answer writes (erase e, add a), read through the attention of the concept's key."""

    def __init__(self, num_c, dim_s=200, size_m=50, dropout=0.2):
        super().__init__()
        self.num_c = num_c
        self.dim_s = dim_s
        self.size_m = size_m
        self.k_emb_layer = nn.Embedding(num_c, dim_s)
        self.Mk = nn.Parameter(torch.Tensor(size_m, dim_s))
        self.Mv0 = nn.Parameter(torch.Tensor(size_m, dim_s))
        nn.init.kaiming_normal_(self.Mk)
        nn.init.kaiming_normal_(self.Mv0)
        self.v_emb_layer = nn.Embedding(num_c * 2, dim_s)
        self.f_layer = nn.Linear(dim_s * 2, dim_s)
        self.dropout_layer = nn.Dropout(dropout)
        self.p_layer = nn.Linear(dim_s, 1)
        self.e_layer = nn.Linear(dim_s, dim_s)
        self.a_layer = nn.Linear(dim_s, dim_s)

    def forward(self, c, r):
        return self.forward_from(c, r, None)[0]

    def forward_from(self, c, r, mv):
        """The predictions of the steps c, r from the memory mv (None: Mv0 for every learner),
        and the memory after them (to carry into the next piece of the same histories)."""
        batch = c.shape[0]
        k = self.k_emb_layer(c)
        v = self.v_emb_layer(c + self.num_c * r)
        w = torch.softmax(torch.matmul(k, self.Mk.T), dim=-1)
        e = torch.sigmoid(self.e_layer(v))
        a = torch.tanh(self.a_layer(v))
        if mv is None:
            mv = self.Mv0.unsqueeze(0).repeat(batch, 1, 1)
        reads = []
        for t in range(c.shape[1]):
            wt = w[:, t].unsqueeze(-1)
            reads.append((wt * mv).sum(1))
            mv = mv * (1 - wt * e[:, t].unsqueeze(1)) + wt * a[:, t].unsqueeze(1)
        read = torch.stack(reads, dim=1)
        f = torch.tanh(self.f_layer(torch.cat([read, k], dim=-1)))
        return torch.sigmoid(self.p_layer(self.dropout_layer(f))).squeeze(-1), mv


def build(kind, num_c, size):
    if kind == "dkt":
        return DKT(num_c, emb_size=size)
    if kind == "dkvmn":
        return DKVMN(num_c, dim_s=size, size_m=50)
    raise ValueError(f"unknown kind {kind!r}: dkt or dkvmn")
