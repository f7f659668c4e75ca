/** Where an approval stands: used means an approved call went through, so the approval is spent. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'used';

/** A request for a person to allow one tool call (or a held task to go on), and what became of it. */
export interface ApprovalRecord {
  id: string;
  status: ApprovalStatus;
  /** The tool the model called, and its arguments as the model wrote them. */
  tool: string;
  argumentsJson: string;
  /** Why the policy asked for approval: the rule and what it matched. */
  reason: string;
  rule?: string;
  /** Identifies the call asked about (task, key, tool, arguments), so a retry of it finds this approval. */
  callKey?: string;
  taskId?: string;
  keyId?: string;
  team?: string;
  createdAtInMs: number;
  expiresAtInMs: number;
  decidedBy?: string;
  decidedAtInMs?: number;
  decisionReason?: string;
}
