import type { SendResult } from './delivery-result';
import type { NotificationText } from './notification-text';

/** Sends one plain-text email through the `send_email` binding; a binding error is retried later. */
export async function sendEmail(binding: SendEmail, message: NotificationText & { from: string; to: string }): Promise<SendResult> {
  try {
    await binding.send({ from: message.from, to: message.to, subject: message.subject, text: message.text });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: `email not sent: ${error instanceof Error ? error.message : String(error)}` };
  }
}
